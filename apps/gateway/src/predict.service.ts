// The predict use case: raw records -> the preprocessor, which runs the version's feature spec, calls inference and
// answers one prediction per record. Requests for one model that arrive together share one message: one call per
// version in it, so a rollout's arms travel together.
import { AviaryError, ModelManifest, PredictRecords, PredictResponse, RequestContext } from '@aviary/contracts';
import { mayPassAlone, MicroBatcher } from '@aviary/inference-engine';
import { Picked, PredictionLog } from '@aviary/site-telemetry';
import { batchSizeCounter, currentTraceId, runForRequests } from '@aviary/telemetry';
import { Inject, Injectable } from '@nestjs/common';
import { Context, context } from '@opentelemetry/api';
import { GATEWAY_CONFIG, GatewayConfig } from './config';
import { ModelRouter } from './model-router';
import { ModelServices, Settled } from './model-services';
import { PREDICTION_LOG } from './prediction-log';
import { ShadowTraffic } from './shadow-traffic';
import { observeArm } from './variant-metrics';

const batchRequests = batchSizeCounter(
  'aviary_predict_batched_requests_total',
  'Predict requests by the size of the batch they joined',
);

interface PredictItem {
  manifest: ModelManifest;
  records: unknown[];
  /** The request's evaluation context, for the preprocessor's feature toggles. */
  flagContext: RequestContext;
  /** The request's trace context: a lone request runs in it, a batch span links it. */
  context: Context;
}

@Injectable()
export class PredictService {
  /** One batcher for all models, keyed by model: a batch holds no state once it has run. */
  private readonly batcher: MicroBatcher<PredictItem, Settled>;

  constructor(
    private readonly router: ModelRouter,
    private readonly services: ModelServices,
    private readonly shadow: ShadowTraffic,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    @Inject(PREDICTION_LOG) private readonly log: PredictionLog,
  ) {
    this.batcher = new MicroBatcher((items) => this.runBatch(items), {
      keyOf: (item) => item.manifest.name,
      limits: [{ max: config.AVIARY_PREDICT_MAX_BATCH, weigh: (item) => item.records.length }],
    });
  }

  predict(
    model: string,
    instances: unknown[],
    version: string | undefined,
    flagContext: RequestContext,
  ): Promise<PredictResponse> {
    return this.log.observe(
      { model, version, inputs: instances },
      (picked) => this.routed(model, instances, version, flagContext, picked),
      (response) => response.predictions,
    );
  }

  private async routed(
    model: string,
    instances: unknown[],
    version: string | undefined,
    flagContext: RequestContext,
    picked: Picked,
  ): Promise<PredictResponse> {
    const { manifest, variant } = this.router.route(model, version, flagContext);
    picked({ model: manifest.name, version: manifest.version, variant });
    const item = { manifest, records: instances, flagContext, context: context.active() };
    const predictions = variant === undefined ? await this.submit(item) : await this.armed(item, variant);
    if (version === undefined) this.mirror(item, predictions);
    return {
      model: manifest.name,
      version: manifest.version,
      ...(variant !== undefined && { variant }),
      traceId: currentTraceId() ?? '',
      predictions,
    };
  }

  /** The shadow copy of an unversioned predict, when the model's shadow flag picks it; off the response's path. */
  private mirror(item: PredictItem, predictions: unknown[]): void {
    const { name: model, version: stable } = item.manifest;
    const candidate = this.shadow.candidateFor(model, stable, item.flagContext);
    if (candidate === undefined) return;
    this.shadow.mirror({ model, stable, candidate, predictions }, (manifest) => this.submit({ ...item, manifest }));
  }

  private async submit(item: PredictItem): Promise<unknown[]> {
    const settled = await this.batcher.submit(item);
    if ('error' in settled) throw settled.error;
    return settled.predictions;
  }

  /** A flag-routed predict, observed for its variant's A/B metrics. */
  private async armed(item: PredictItem, variant: string): Promise<unknown[]> {
    const arm = { model: item.manifest.name, variant, version: item.manifest.version };
    const started = performance.now();
    try {
      const predictions = await this.submit(item);
      observeArm(arm, (performance.now() - started) / 1000, undefined, predictions);
      return predictions;
    } catch (failure) {
      observeArm(arm, (performance.now() - started) / 1000, failure);
      throw failure;
    }
  }

  private runBatch(items: PredictItem[]): Promise<Settled[]> {
    batchRequests.observe(items.length);
    const model = items[0].manifest.name;
    return runForRequests(
      `predict batch ${model}`,
      items.map((i) => i.context),
      async () => {
        const groups = byVersion(items);
        const first = await this.send(model, groups);
        const answers = new Map(groups.flat().map((item, i) => [item, first[i]]));
        // A version's call refused for one request's records: each of its requests again alone, so only that one fails.
        const again = groups.filter((g) => g.length > 1 && retriesAlone(answers.get(g[0]) as Settled)).flat();
        if (again.length > 0) {
          const singles = again.map((item) => [item]);
          const alone = await this.send(model, singles);
          again.forEach((item, i) => answers.set(item, alone[i]));
        }
        return items.map((i) => answers.get(i) as Settled);
      },
    );
  }

  /** One call per group (one version's requests) in one message: an answer per request, in the groups' order. */
  private async send(model: string, groups: PredictItem[][]): Promise<Settled[]> {
    const calls = groups.map((group) => ({ version: group[0].manifest.version, request: requestOf(group) }));
    const settled = await this.services.predict(model, calls);
    return groups.flatMap((group, g) => splitOver(group, settled[g]));
  }
}

function byVersion(items: readonly PredictItem[]): PredictItem[][] {
  const groups = new Map<string, PredictItem[]>();
  for (const item of items) {
    const group = groups.get(item.manifest.version);
    if (group) group.push(item);
    else groups.set(item.manifest.version, [item]);
  }
  return [...groups.values()];
}

const retriesAlone = (answer: Settled) => 'error' in answer && mayPassAlone(answer.error);

/** One call for a version's requests: their records in order, and their evaluation contexts when any has one. */
function requestOf(group: readonly PredictItem[]): PredictRecords {
  const records = group.flatMap((i) => i.records);
  return group.some((i) => Object.keys(i.flagContext).length > 0)
    ? { records, contexts: group.map((i) => ({ context: i.flagContext, records: i.records.length })) }
    : { records };
}

/** A call's answer, one slice of its predictions per request (the call's error for each, when it failed). */
function splitOver(group: readonly PredictItem[], answer: Settled): Settled[] {
  if ('error' in answer) return group.map(() => answer);
  const { predictions } = answer;
  const records = group.reduce((n, i) => n + i.records.length, 0);
  if (predictions.length !== records) {
    const error = new AviaryError(
      `the preprocessor answered ${predictions.length} predictions for ${records} records`,
      'INTERNAL',
    );
    return group.map(() => ({ error }));
  }
  let offset = 0;
  return group.map((i) => ({ predictions: predictions.slice(offset, (offset += i.records.length)) }));
}
