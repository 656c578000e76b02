// The gateway's seam to the services behind it: preprocessor and inference replicas, over NATS. Predict calls for
// several versions of one model (a rollout's arms) share one preprocessor message.
import {
  AviaryError,
  decodeTensors,
  encodeTensors,
  parseOrThrow,
  PredictRecords,
  predictRecordsReplySchema,
  PredictVersions,
  predictVersionsReplySchema,
  subjects,
  Tensor,
} from '@aviary/contracts';
import { decodeJson, encodeJson, EMPTY_BODY, NatsRpc, NoResponders } from '@aviary/messaging';
import { Inject, Injectable } from '@nestjs/common';
import { GATEWAY_CONFIG, GatewayConfig } from './config';

/** Probes are short: a replica that is up answers in microseconds. */
const PROBE_TIMEOUT_MS = 1000;
/** The NATS server's default max_payload, for when the connection has not said its own. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

/** One version's records of a predict message. */
export interface PredictCall {
  version: string;
  request: PredictRecords;
}

/** One call's answer out of a shared message: its version's error stays its own. */
export type Settled = { predictions: unknown[] } | { error: AviaryError };

@Injectable()
export class ModelServices {
  constructor(
    private readonly rpc: NatsRpc,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /**
   * Predictions from the preprocessor (which calls inference itself), one answer per call, in order: calls for
   * several versions share one message. A failure of the message as a whole (a timeout, a lone call's error) throws.
   */
  async predict(model: string, calls: readonly PredictCall[]): Promise<Settled[]> {
    if (calls.length === 1) return [await this.sendPredictCall(model, calls[0])];
    const body: PredictVersions = { versions: [...calls] };
    const reply = await this.rpc
      .request(subjects.predictVersions(model), encodeJson(body), { timeoutMs: this.config.AVIARY_REQUEST_TIMEOUT_MS })
      .catch((e: Error) => {
        // Preprocessors from before the shared message (a rolling upgrade): one call per version, as they serve.
        if (e instanceof NoResponders) return undefined;
        throw e;
      });
    if (!reply)
      return Promise.all(calls.map((c) => this.sendPredictCall(model, c).catch((error: AviaryError) => ({ error }))));
    const { versions } = parseOrThrow(predictVersionsReplySchema, decodeJson(reply, 'predict reply'), 'predict reply');
    if (versions.length !== calls.length)
      throw new AviaryError(`the preprocessor answered ${versions.length} versions for ${calls.length}`, 'INTERNAL');
    return versions.map((v) => ('error' in v ? { error: new AviaryError(v.error.message, v.error.code) } : v));
  }

  private async sendPredictCall(model: string, { version, request }: PredictCall): Promise<Settled> {
    const reply = await this.rpc.request(subjects.predict(model, version), encodeJson(request), {
      timeoutMs: this.config.AVIARY_REQUEST_TIMEOUT_MS,
    });
    return parseOrThrow(predictRecordsReplySchema, decodeJson(reply, 'predict reply'), 'predict reply');
  }

  async infer(model: string, version: string, inputs: readonly Tensor[], outputs?: string[]): Promise<Tensor[]> {
    const reply = await this.rpc.request(subjects.infer(model, version), encodeTensors(inputs, { outputs }), {
      timeoutMs: this.config.AVIARY_REQUEST_TIMEOUT_MS,
    });
    return decodeTensors(reply).tensors;
  }

  /** The largest message the NATS server takes, in bytes. */
  maxMessageBytes(): number {
    return this.rpc.connection.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
  }

  /** True when some inference replica has this version loaded and warm. */
  async versionReady(model: string, version: string): Promise<boolean> {
    return this.answers(subjects.infer(model, version), 'ready');
  }

  async serviceAnswers(service: string): Promise<boolean> {
    return this.answers(subjects.ping(service));
  }

  private async answers(subject: string, op?: string): Promise<boolean> {
    try {
      await this.rpc.request(subject, EMPTY_BODY, { timeoutMs: PROBE_TIMEOUT_MS, op });
      return true;
    } catch {
      return false;
    }
  }
}
