import { parseFeatureSpec } from '@aviary/features';
import { ModelSession } from '@aviary/inference-engine';
import { rejection, workspaceRoot } from '@aviary/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateClassifier, parseJsonLines } from './evaluate';

const bundle = (name: string, version: string) => join(workspaceRoot(), 'models', name, version);

async function load(name: string, version: string) {
  const dir = bundle(name, version);
  return {
    scorer: await ModelSession.load(readFileSync(join(dir, 'model.onnx'))),
    spec: parseFeatureSpec(JSON.parse(readFileSync(join(dir, 'feature-spec.json'), 'utf8'))),
    records: parseJsonLines(readFileSync(join(dir, 'holdout.jsonl'), 'utf8'), 'holdout.jsonl'),
    reported: JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')).test,
  };
}

describe('evaluateClassifier', () => {
  it('reproduces the held-out metrics the trainer reported, through the served spec and ONNX Runtime', async () => {
    const { scorer, spec, records, reported } = await load('flight-delay', '2');
    const { rows, metrics } = await evaluateClassifier({ scorer, spec, records });
    expect(rows).toBe(4000);
    expect(metrics).toMatchObject({
      auc: expect.closeTo(reported.auc, 4),
      accuracy: expect.closeTo(reported.accuracy, 4),
    });
  });

  it('scores multiclass models with accuracy and macro-F1', async () => {
    const { scorer, spec, records, reported } = await load('penguin-species', '1');
    const { metrics } = await evaluateClassifier({ scorer, spec, records });
    expect(metrics).toMatchObject({ accuracy: reported.accuracy, macroF1: expect.closeTo(reported.macroF1, 6) });
  });

  it('names a row whose label is not one of the classes', async () => {
    const { scorer, spec, records } = await load('flight-delay', '1');
    const bad = [records[0], { ...(records[1] as object), label: 'cancelled' }];
    expect((await rejection(evaluateClassifier({ scorer, spec, records: bad }))).message).toBe(
      'evaluation row 1: "label" is "cancelled", expected one of on-time, late',
    );
  });

  it('reads JSON Lines and names a broken line', () => {
    expect(parseJsonLines('{"a":1}\n\n{"a":2}\n', 'eval.jsonl')).toEqual([{ a: 1 }, { a: 2 }]);
    expect(rejection(() => parseJsonLines('{"a":1}\n{oops', 'eval.jsonl')).message).toBe(
      'eval.jsonl line 2 is not JSON',
    );
  });
});
