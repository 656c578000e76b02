// A site's prediction logs and metric summaries, published on subjects.telemetry(site, kind) with JetStream: the
// site's stream (AVIARY_SITE_TELEMETRY) stores them and the hub sources them, so they survive a link outage.
// Off the request path: observe() only appends to the outbox; timers seal batches, publish and summarise.
import { AviaryError, PredictionLogRecord, subjects } from '@aviary/contracts';
import { counter, currentTraceId, Logger } from '@aviary/telemetry/core';
import type { NatsConnection } from 'nats';
import { randomUUID } from 'node:crypto';
import { TelemetryOutbox } from './outbox';
import { VersionSummaries } from './version-summaries';

const published = counter('aviary_site_telemetry_published_total', 'Site telemetry records stored by the site', [
  'kind',
]);
const dropped = counter(
  'aviary_site_telemetry_dropped_total',
  "Prediction records and summaries dropped because the site's NATS did not take them",
  [],
);

/** What answered a request: every door's predict and infer results name it. */
export interface Served {
  model: string;
  version: string;
  variant?: string;
}

export interface PredictionRequest {
  model: string;
  /** The version asked for, if any. */
  version?: string;
  /** Logged only with payloads on. */
  inputs?: unknown;
}

/** Called by a request's work with the version that serves it, once known. */
export type Picked = (served: Served) => void;

/** Records a door's prediction requests. */
export interface PredictionLog {
  /**
   * Runs `work` and records its outcome; its result or error passes through unchanged. `work` calls `picked` once it
   * knows the version that serves, so a failure past that point is logged under that version.
   */
  observe<T extends Served>(
    request: PredictionRequest,
    work: (picked: Picked) => Promise<T>,
    outputsOf?: (answer: T) => unknown,
  ): Promise<T>;
  close(): Promise<void>;
}

/** Without a site: the work runs, nothing is recorded. */
const ignore: Picked = () => undefined;

export const NO_PREDICTION_LOG: PredictionLog = {
  observe: (_request, work) => work(ignore),
  close: async () => undefined,
};

/** Publishes one message, stored by the site's stream; `msgId` (Nats-Msg-Id) dedupes a retry. */
export type TelemetryPublish = (subject: string, data: string, msgId: string) => Promise<void>;

export function jetStreamPublish(nc: NatsConnection): TelemetryPublish {
  const js = nc.jetstream();
  return async (subject, data, msgID) => {
    await js.publish(subject, data, { msgID });
  };
}

export interface SiteTelemetryOptions {
  site: string;
  publish: TelemetryPublish;
  log: Logger;
  /** Share of requests logged, 0..1 (summaries count every request). */
  sample: number;
  payloads: boolean;
  summaryIntervalMs: number;
  /** Records held while the site's NATS does not take them. */
  capacity: number;
  /** Records a prediction-log message holds at most. */
  batchRecords?: number;
  /** Longest a record waits for its batch to fill. */
  flushMs?: number;
  random?: () => number;
  now?: () => number;
}

/** How long close() waits for the outbox to empty. */
const CLOSE_WAIT_MS = 3000;

export class SiteTelemetry implements PredictionLog {
  private readonly outbox: TelemetryOutbox;
  private readonly summaries: VersionSummaries;
  private readonly timers: NodeJS.Timeout[];
  private readonly random: () => number;
  private readonly now: () => number;
  private pumping?: Promise<void>;
  private pumpScheduled = false;
  private failing = false;
  private droppedSeen = 0;

  constructor(private readonly options: SiteTelemetryOptions) {
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.outbox = new TelemetryOutbox({
      idPrefix: `${options.site}.${randomUUID()}`,
      batchRecords: options.batchRecords ?? 200,
      capacity: options.capacity,
    });
    this.summaries = new VersionSummaries(options.site, this.now());
    this.timers = [
      setInterval(() => this.flush(), options.flushMs ?? 1000),
      setInterval(() => this.summarise(), options.summaryIntervalMs),
    ];
    for (const timer of this.timers) timer.unref();
  }

  async observe<T extends Served>(
    request: PredictionRequest,
    work: (picked: Picked) => Promise<T>,
    outputsOf?: (answer: T) => unknown,
  ): Promise<T> {
    const started = performance.now();
    let served: Served | undefined;
    try {
      const answer = await work((s) => (served = s));
      this.record(request, started, { served: answer, outputs: outputsOf && (() => outputsOf(answer)) });
      return answer;
    } catch (error) {
      this.record(request, started, { served, error });
      throw error;
    }
  }

  /**
   * One of the site's own events (an edge agent's version switch) for the hub: stored by the site's stream with a
   * message id and retried like the prediction log, so a switch made while the site's NATS is away is not lost.
   */
  report(event: unknown): void {
    this.outbox.enqueue('events', JSON.stringify(event));
    this.countDrops();
    this.schedulePump();
  }

  /** Publishes what is held (bounded wait) and stops the timers. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.summarise();
    this.outbox.seal();
    const deadline = Date.now() + CLOSE_WAIT_MS;
    while (this.outbox.size > 0 && Date.now() < deadline) {
      await this.pump();
      if (this.outbox.size > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private record(
    request: PredictionRequest,
    started: number,
    outcome: { served?: Served; outputs?: () => unknown; error?: unknown },
  ): void {
    const latencyMs = performance.now() - started;
    const { served, error } = outcome;
    const version = served?.version ?? request.version ?? '';
    this.summaries.observe(request.model, version, latencyMs, error !== undefined);
    if (this.options.sample < 1 && this.random() >= this.options.sample) return;
    const record: PredictionLogRecord = {
      time: new Date(this.now()).toISOString(),
      model: request.model,
      version,
      ...(served?.variant !== undefined && { variant: served.variant }),
      status: error === undefined ? 'ok' : 'error',
      ...(error !== undefined && { code: error instanceof AviaryError ? error.code : 'INTERNAL' }),
      latencyMs,
      traceId: currentTraceId() ?? '',
      ...(this.options.payloads && { inputs: request.inputs, ...(outcome.outputs && { outputs: outcome.outputs() }) }),
    };
    if (this.outbox.add(record)) this.schedulePump();
    this.countDrops();
  }

  private flush(): void {
    this.outbox.seal();
    void this.pump();
  }

  private summarise(): void {
    for (const summary of this.summaries.take(this.now())) this.outbox.enqueue('metrics', JSON.stringify(summary));
    this.countDrops();
    void this.pump();
  }

  /** A full batch is published after the request that filled it has been answered. */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      void this.pump();
    });
  }

  /** One publishing loop at a time; close() and the timers share it. */
  private pump(): Promise<void> {
    this.pumping ??= this.publishQueued().finally(() => (this.pumping = undefined));
    return this.pumping;
  }

  /** Publishes the queue head first, one at a time; a failure leaves it queued for the next flush to retry. */
  private async publishQueued(): Promise<void> {
    try {
      for (let message = this.outbox.head(); message; message = this.outbox.head()) {
        this.outbox.inFlight = true;
        await this.options.publish(subjects.telemetry(this.options.site, message.kind), message.data, message.id);
        this.outbox.shift();
        published.inc({ kind: message.kind }, message.records);
      }
      if (this.failing) this.options.log.info({ site: this.options.site }, 'site telemetry publishing again');
      this.failing = false;
    } catch (error) {
      this.outbox.inFlight = false;
      if (!this.failing) {
        this.options.log.warn(
          { site: this.options.site, held: this.outbox.size, err: error },
          "site telemetry not stored: the site's NATS did not take it; retrying",
        );
      }
      this.failing = true;
    } finally {
      this.countDrops();
    }
  }

  private countDrops(): void {
    const fresh = this.outbox.dropped - this.droppedSeen;
    if (fresh > 0) dropped.inc(fresh);
    this.droppedSeen = this.outbox.dropped;
  }
}
