// Every replica ticks the batch scheduler once a second; the lease decides which one actually submits.
import { BatchRetention, BatchScheduler, BatchSchedules } from '@aviary/batch';
import { createLogger } from '@aviary/telemetry';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BatchBackends } from './batch-backends';
import { BATCH_WORKER_CONFIG, BatchWorkerConfig } from './config';

const log = createLogger('batch-worker');
const TICK_MS = 1000;

@Injectable()
export class ScheduleTicker implements OnApplicationBootstrap, OnApplicationShutdown {
  private scheduler!: BatchScheduler;
  private timer?: NodeJS.Timeout;
  private ticking: Promise<void> = Promise.resolve();

  constructor(
    private readonly backends: BatchBackends,
    @Inject(BATCH_WORKER_CONFIG) private readonly config: BatchWorkerConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { store, registry } = this.backends;
    const workDir = join(this.config.AVIARY_BATCH_WORK_DIR, this.config.AVIARY_REPLICA_ID);
    await mkdir(workDir, { recursive: true });
    this.scheduler = new BatchScheduler({
      store,
      registry,
      schedules: await BatchSchedules.open(store),
      lease: await BatchScheduler.openLease(store, this.config.AVIARY_REPLICA_ID),
      workDir,
      retention: new BatchRetention(store, this.config.AVIARY_BATCH_RETENTION),
      onProblem: (problem) => log.warn(problem),
    });
    this.timer = setInterval(() => {
      // One tick at a time: a slow submit (a large input to check) must not overlap the next tick.
      this.ticking = this.ticking.then(() =>
        this.scheduler.tick().catch((e: Error) => log.warn({ reason: e.message }, 'batch scheduler tick failed')),
      );
    }, TICK_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
    await this.scheduler?.release();
  }
}
