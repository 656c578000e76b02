// The analysis conditions (`successCondition`, `failureCondition`): a small expression language over a measurement's
// `result`, parsed by a tokenizer and a recursive-descent parser and evaluated on the tree, never by eval/Function.
// Grammar (lowest precedence first):
//   or      := and ("||" and)*
//   and     := unary ("&&" unary)*
//   unary   := "!" unary | compare
//   compare := operand (("<" | "<=" | ">" | ">=" | "==" | "!=") operand)?
//   operand := ["-"] NUMBER | "true" | "false" | "result" ("." NAME)* | NAME "(" or ")" | "(" or ")"
import { AviaryError } from '@aviary/contracts';

export type ConditionValue = number | boolean | string | null | undefined | ConditionValue[] | ConditionRecord;
export interface ConditionRecord {
  [field: string]: ConditionValue;
}

type Node =
  | { kind: 'literal'; value: number | boolean }
  | { kind: 'result'; path: string[] }
  | { kind: 'call'; name: FunctionName; arg: Node }
  | { kind: 'not'; operand: Node }
  | { kind: 'logical'; op: '&&' | '||'; left: Node; right: Node }
  | { kind: 'compare'; op: CompareOp; left: Node; right: Node };

type CompareOp = '<' | '<=' | '>' | '>=' | '==' | '!=';
const FUNCTIONS = { len: true, isNaN: true } as const;
type FunctionName = keyof typeof FUNCTIONS;

interface Token {
  kind: 'number' | 'name' | 'op' | 'end';
  text: string;
  at: number;
}

/** A parsed condition, evaluated once per measurement. */
export class Condition {
  private constructor(
    readonly source: string,
    private readonly tree: Node,
  ) {}

  /** Throws INVALID_ARGUMENT naming the position and what was expected. */
  static parse(source: string): Condition {
    return new Condition(source, new Parser(source).parse());
  }

  /** True or false; a comparison with a value that is not a number (a missing field, NaN) is false. */
  evaluate(result: ConditionValue): boolean {
    return truthy(evaluate(this.tree, result));
  }
}

/** Every problem of a condition's text, as messages (empty when it parses). */
export function conditionProblems(source: string): string[] {
  try {
    Condition.parse(source);
    return [];
  } catch (e) {
    return [(e as Error).message];
  }
}

class Parser {
  private readonly tokens: Token[];
  private next = 0;

  constructor(private readonly source: string) {
    this.tokens = tokenize(source);
  }

  parse(): Node {
    const tree = this.or();
    const rest = this.peek();
    if (rest.kind !== 'end') throw this.error(rest, 'an operator or the end');
    return tree;
  }

  private or(): Node {
    let left = this.and();
    while (this.accept('||')) left = { kind: 'logical', op: '||', left, right: this.and() };
    return left;
  }

  private and(): Node {
    let left = this.unary();
    while (this.accept('&&')) left = { kind: 'logical', op: '&&', left, right: this.unary() };
    return left;
  }

  private unary(): Node {
    if (this.accept('!')) return { kind: 'not', operand: this.unary() };
    return this.compare();
  }

  private compare(): Node {
    const left = this.operand();
    const token = this.peek();
    if (token.kind === 'op' && ['<', '<=', '>', '>=', '==', '!='].includes(token.text)) {
      this.next++;
      return { kind: 'compare', op: token.text as CompareOp, left, right: this.operand() };
    }
    return left;
  }

  private operand(): Node {
    const token = this.peek();
    if (token.kind === 'number') {
      this.next++;
      return { kind: 'literal', value: Number(token.text) };
    }
    if (this.accept('-')) {
      const number = this.peek();
      if (number.kind !== 'number') throw this.error(number, 'a number after "-"');
      this.next++;
      return { kind: 'literal', value: -Number(number.text) };
    }
    if (this.accept('(')) {
      const inner = this.or();
      this.expect(')');
      return inner;
    }
    if (token.kind === 'name') {
      this.next++;
      if (token.text === 'true' || token.text === 'false') return { kind: 'literal', value: token.text === 'true' };
      if (token.text === 'result') {
        const path: string[] = [];
        while (this.accept('.')) {
          const field = this.peek();
          if (field.kind !== 'name') throw this.error(field, 'a field name after "."');
          this.next++;
          path.push(field.text);
        }
        return { kind: 'result', path };
      }
      if (token.text in FUNCTIONS) {
        this.expect('(');
        const arg = this.or();
        this.expect(')');
        return { kind: 'call', name: token.text as FunctionName, arg };
      }
      throw new AviaryError(
        `condition "${this.source}": unknown name "${token.text}" at ${token.at + 1} (expected result, result.<field>, true, false, len() or isNaN())`,
        'INVALID_ARGUMENT',
      );
    }
    throw this.error(token, 'a number, result, a function or "("');
  }

  private peek(): Token {
    return this.tokens[this.next];
  }

  private accept(op: string): boolean {
    const token = this.peek();
    if (token.kind !== 'op' || token.text !== op) return false;
    this.next++;
    return true;
  }

  private expect(op: string): void {
    if (!this.accept(op)) throw this.error(this.peek(), `"${op}"`);
  }

  private error(token: Token, expected: string): AviaryError {
    const found = token.kind === 'end' ? 'the end' : `"${token.text}"`;
    return new AviaryError(
      `condition "${this.source}": expected ${expected} at ${token.at + 1}, found ${found}`,
      'INVALID_ARGUMENT',
    );
  }
}

const OPERATORS = ['<=', '>=', '==', '!=', '&&', '||', '<', '>', '!', '(', ')', '.', '-'];

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < source.length) {
    const rest = source.slice(at);
    const space = /^\s+/.exec(rest);
    if (space) {
      at += space[0].length;
      continue;
    }
    // A "." right after `result` or a field is a field access, so numbers must start with a digit.
    const number = /^\d+(\.\d+)?([eE][-+]?\d+)?/.exec(rest);
    if (number) {
      tokens.push({ kind: 'number', text: number[0], at });
      at += number[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (name) {
      tokens.push({ kind: 'name', text: name[0], at });
      at += name[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => rest.startsWith(o));
    if (!op)
      throw new AviaryError(
        `condition "${source}": unexpected character "${rest[0]}" at ${at + 1}`,
        'INVALID_ARGUMENT',
      );
    tokens.push({ kind: 'op', text: op, at });
    at += op.length;
  }
  tokens.push({ kind: 'end', text: '', at });
  return tokens;
}

function evaluate(node: Node, result: ConditionValue): ConditionValue {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'result':
      return node.path.reduce<ConditionValue>(
        (value, field) => (value && typeof value === 'object' && !Array.isArray(value) ? value[field] : undefined),
        result,
      );
    case 'call': {
      const arg = evaluate(node.arg, result);
      if (node.name === 'len') return Array.isArray(arg) || typeof arg === 'string' ? arg.length : 0;
      return typeof arg !== 'number' || Number.isNaN(arg);
    }
    case 'not':
      return !truthy(evaluate(node.operand, result));
    case 'logical':
      return node.op === '&&'
        ? truthy(evaluate(node.left, result)) && truthy(evaluate(node.right, result))
        : truthy(evaluate(node.left, result)) || truthy(evaluate(node.right, result));
    case 'compare':
      return compare(node.op, evaluate(node.left, result), evaluate(node.right, result));
  }
}

function compare(op: CompareOp, left: ConditionValue, right: ConditionValue): boolean {
  if (op === '==' || op === '!=') {
    return op === '==' ? left === right : left !== right;
  }
  if (typeof left !== 'number' || typeof right !== 'number') return false;
  switch (op) {
    case '<':
      return left < right;
    case '<=':
      return left <= right;
    case '>':
      return left > right;
    case '>=':
      return left >= right;
  }
}

const truthy = (value: ConditionValue): boolean =>
  typeof value === 'number' ? value !== 0 && !Number.isNaN(value) : Boolean(value);
