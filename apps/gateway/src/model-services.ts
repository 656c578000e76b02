// The gateway's seam to the services behind it: preprocessor and inference replicas, over NATS.
import {
  AviaryError,
  decodeTensors,
  encodeTensors,
  parseOrThrow,
  PredictRecords,
  predictRecordsReplySchema,
  subjects,
  Tensor,
} from '@aviary/contracts';
import { decodeJson, encodeJson, EMPTY_BODY, NatsRpc } from '@aviary/messaging';
import { Inject, Injectable } from '@nestjs/common';
import { GATEWAY_CONFIG, GatewayConfig } from './config';

/** Probes are short: a replica that is up answers in microseconds. */
const PROBE_TIMEOUT_MS = 1000;
/** The NATS server's default max_payload, for when the connection has not said its own. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

@Injectable()
export class ModelServices {
  constructor(
    private readonly rpc: NatsRpc,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** One prediction per record, from the preprocessor (which calls inference itself). */
  async predict(
    model: string,
    version: string,
    records: unknown[],
    contexts?: PredictRecords['contexts'],
  ): Promise<unknown[]> {
    const request: PredictRecords = contexts ? { records, contexts } : { records };
    const reply = await this.rpc.request(subjects.predict(model, version), encodeJson(request), {
      timeoutMs: this.config.AVIARY_REQUEST_TIMEOUT_MS,
    });
    const { predictions } = parseOrThrow(
      predictRecordsReplySchema,
      decodeJson(reply, 'predict reply'),
      'predict reply',
    );
    if (predictions.length !== records.length)
      throw new AviaryError(
        `the preprocessor answered ${predictions.length} predictions for ${records.length} records`,
        'INTERNAL',
      );
    return predictions;
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
