// `aviary models push FILE --name N --version V [--spec F] [--metrics F] [--sha256 H] [--eval F [--gate EXPR]]
// [--serve | --no-serve]`
import { rejectionReason } from '@aviary/contracts';
import { parseJsonLines } from '@aviary/evaluation';
import { PushOutcome, PushPipeline, ServeRule } from '@aviary/model-push';
import { ModelRegistry, ServingPointers } from '@aviary/model-registry';
import { readFile } from 'node:fs/promises';

export interface PushOptions {
  name: string;
  version: string;
  spec?: string;
  metrics?: string;
  sha256?: string;
  eval?: string;
  gate?: string;
  /** --serve: true, --no-serve: false, neither: the first version of a model serves. */
  serve?: boolean;
}

/** A push whose version was stored but rejected by its quality gate: the CLI exits non-zero with the figures. */
export class GateRejection extends Error {}

async function readJson(path: string, what: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${what} ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

export const cliPushPipeline = async (registry: ModelRegistry) =>
  new PushPipeline(registry, await ServingPointers.open(registry), 'cli');

const serveRule = (serve: boolean | undefined): ServeRule =>
  serve === undefined ? 'first' : serve ? 'always' : 'never';

/** Pushes the version; the line says what was stored and how it was scored (see `nextStep` for what serves). */
export async function pushModel(
  pipeline: PushPipeline,
  file: string,
  options: PushOptions,
): Promise<{ outcome: PushOutcome; line: string }> {
  if (options.gate !== undefined && options.eval === undefined)
    throw new Error('--gate needs --eval: the labelled records to score');
  const outcome = await pipeline.push({
    name: options.name,
    version: options.version,
    onnx: await readFile(file),
    featureSpec: options.spec ? await readJson(options.spec, 'feature spec') : undefined,
    metrics: options.metrics ? ((await readJson(options.metrics, 'metrics')) as Record<string, unknown>) : undefined,
    expectedSha256: options.sha256,
    evaluation: options.eval
      ? {
          source: options.eval,
          records: parseJsonLines(await readFile(options.eval, 'utf8'), options.eval),
          gate: options.gate,
        }
      : undefined,
    serve: serveRule(options.serve),
  });
  const { manifest, created } = outcome;
  const rejected = rejectionReason(manifest);
  if (rejected)
    throw new GateRejection(
      `${manifest.name} version ${manifest.version} is stored but rejected by its quality gate (${manifest.evaluation?.gate?.expression}): ${rejected}`,
    );
  const what = created ? 'pushed' : 'already present';
  const scored = manifest.evaluation
    ? `; on ${manifest.evaluation.rows} rows of ${manifest.evaluation.source}: ${Object.entries(
        manifest.evaluation.metrics,
      )
        .filter(([, v]) => typeof v === 'number')
        .map(([k, v]) => `${k}=${(v as number).toFixed(4)}`)
        .join(' ')}${manifest.evaluation.gate ? `; gate "${manifest.evaluation.gate.expression}" passed` : ''}`
    : '';
  return {
    outcome,
    line: `${what}: ${manifest.name} version ${manifest.version} (sha256 ${manifest.sha256.slice(0, 12)}, ${manifest.sizeBytes} bytes)${scored}`,
  };
}

/** What serves after the push: this version, or how to promote it. */
export function nextStep({ manifest, serving, replaced }: PushOutcome): string {
  const { name, version } = manifest;
  if (serving?.version !== version) return `ready — promote with aviary models serve ${name} ${version}`;
  return `serving: ${name} version ${version}${replaced ? ` (was ${replaced})` : ''}`;
}
