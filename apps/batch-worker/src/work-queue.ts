// Pulls one work item at a time from the shared AVIARY_BATCH consumer, runs it, then acks. While an item runs, a
// heartbeat tells JetStream the worker is alive; a worker that dies stops beating and its item is redelivered.
import { BatchWorkItem, batchWorkItemSchema, parseOrThrow } from '@aviary/contracts';
import { BatchExecutor, loadRegisteredVersion } from '@aviary/batch';
import { decodeJson } from '@aviary/messaging';
import { counter, createLogger } from '@aviary/telemetry';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Consumer, JsMsg } from 'nats';
import { join } from 'node:path';
import { BatchBackends } from './batch-backends';
import { BATCH_WORKER_CONFIG, BatchWorkerConfig } from './config';

const log = createLogger('batch-worker');
const items = counter('aviary_batch_items_total', 'Batch work items handled, by kind and outcome', ['kind', 'outcome']);
const PULL_EXPIRES_MS = 2_000;
const RETRY_DELAY_MS = 2_000;

@Injectable()
export class WorkQueue implements OnApplicationBootstrap, OnApplicationShutdown {
  private executor!: BatchExecutor;
  private consumer!: Consumer;
  private stopping = false;
  private loop?: Promise<void>;

  constructor(
    private readonly backends: BatchBackends,
    @Inject(BATCH_WORKER_CONFIG) private readonly config: BatchWorkerConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { store, registry } = this.backends;
    this.executor = new BatchExecutor({
      store,
      loadVersion: (model, version) =>
        loadRegisteredVersion(registry, model, version, this.config.AVIARY_BATCH_ORT_THREADS),
      workDir: join(this.config.AVIARY_BATCH_WORK_DIR, this.config.AVIARY_REPLICA_ID),
      worker: this.config.AVIARY_REPLICA_ID,
    });
    this.consumer = await store.workConsumer(this.config.AVIARY_BATCH_ACK_WAIT_MS);
    this.loop = this.run();
  }

  /** Finishes the item in hand (its output is written and acked), then stops pulling. */
  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.loop;
    await this.executor.close();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let msg: JsMsg | null;
      try {
        msg = await this.consumer.next({ expires: PULL_EXPIRES_MS });
      } catch (e) {
        // NATS down or restarting: the connection reconnects by itself; pull again shortly.
        log.warn({ reason: (e as Error).message }, 'pulling batch work failed; retrying');
        await sleep(RETRY_DELAY_MS);
        continue;
      }
      if (msg) await this.handle(msg);
    }
  }

  private async handle(msg: JsMsg): Promise<void> {
    const heartbeat = setInterval(() => msg.working(), Math.max(1000, this.config.AVIARY_BATCH_ACK_WAIT_MS / 3));
    let item: BatchWorkItem;
    try {
      item = parseOrThrow(batchWorkItemSchema, decodeJson(msg.data, 'batch work item'), 'batch work item');
    } catch (e) {
      // Written by a newer or broken client: no delivery will ever read it.
      log.error({ reason: (e as Error).message }, 'dropping an unreadable batch work item');
      msg.term();
      clearInterval(heartbeat);
      return;
    }
    const { kind } = item;
    try {
      try {
        await this.executor.handle(item);
        items.inc({ kind, outcome: 'done' });
      } catch (e) {
        items.inc({ kind, outcome: 'error' });
        const reason = (e as Error).message;
        if (msg.info.deliveryCount >= this.config.AVIARY_BATCH_MAX_ATTEMPTS) {
          log.error({ job: item.job, kind, reason }, 'batch work item failed for the last time; failing the job');
          await this.executor.fail(item.job, `${kind} failed ${msg.info.deliveryCount} times: ${reason}`);
        } else {
          log.warn(
            { job: item.job, kind, reason, attempt: msg.info.deliveryCount },
            'batch work item failed; will retry',
          );
          msg.nak(RETRY_DELAY_MS);
          return;
        }
      }
      await msg.ackAck();
    } catch (e) {
      // The ack (or failing the job) did not reach NATS: the item comes back and is handled again, idempotently.
      log.warn({ kind, reason: (e as Error).message }, 'batch work item not acknowledged; it will be redelivered');
    } finally {
      clearInterval(heartbeat);
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
