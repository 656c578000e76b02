// Batch jobs over REST: submit (an uploaded file, or an object already in aviary_batch), list, status, cancel, and
// the output and errors of a finished job. The checks and the work are @aviary/batch's, as for the CLI.
import {
  InputFormat,
  invalid,
  OUTPUT_FORMATS,
  OutputFormat,
  parseOrThrow,
  submitBatchJobSchema,
} from '@aviary/contracts';
import {
  BatchStore,
  cancelJob,
  jobStatus,
  keepList,
  requireFormat,
  jobResult,
  submitJob,
  SubmitJob,
} from '@aviary/batch';
import { NatsRpc } from '@aviary/messaging';
import { ModelRegistry } from '@aviary/model-registry';
import { Body, Controller, Get, Inject, Injectable, OnModuleInit, Param, Post, Query, Req, Res } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { GATEWAY_CONFIG, GatewayConfig } from '../config';
import { saveBody } from '@aviary/rest-door';

/**
 * Upload media types, taken as a stream to a temporary file (never buffered whole) and bounded by
 * AVIARY_BATCH_UPLOAD_LIMIT rather than AVIARY_MAX_BODY_BYTES.
 */
const UPLOAD_TYPES: Record<string, InputFormat> = {
  'application/x-ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
  'text/csv': 'csv',
  'application/vnd.apache.parquet': 'parquet',
};

interface SubmitQuery {
  model?: string;
  version?: string;
  format?: string;
  keep?: string;
  name?: string;
}

/** The batch store and registry on the gateway's connection, opened once; and the upload parsers. */
@Injectable()
export class BatchDoor implements OnModuleInit {
  private opened?: Promise<{ store: BatchStore; registry: ModelRegistry }>;

  constructor(
    private readonly rpc: NatsRpc,
    private readonly adapter: HttpAdapterHost,
    @Inject(GATEWAY_CONFIG) readonly config: GatewayConfig,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapter.httpAdapter.getInstance<FastifyInstance>();
    fastify.addContentTypeParser(Object.keys(UPLOAD_TYPES), (_request, payload, done) => done(null, payload));
  }

  open() {
    this.opened ??= (async () => ({
      store: await BatchStore.open(this.rpc.connection),
      registry: await ModelRegistry.open(this.rpc.connection),
    }))();
    return this.opened;
  }

  /** Runs `use` with a temporary folder that is removed after. */
  async withTemp<T>(use: (dir: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(join(tmpdir(), 'aviary-batch-upload-'));
    try {
      return await use(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

@Controller('v1/batch/jobs')
export class BatchController {
  constructor(private readonly door: BatchDoor) {}

  /** JSON body {object, model, ...}: an object already stored; an upload: the file itself, options in the query. */
  @Post()
  async submit(@Req() request: FastifyRequest, @Query() query: SubmitQuery, @Body() body: unknown) {
    const { store, registry } = await this.door.open();
    const mediaType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const uploadFormat = UPLOAD_TYPES[mediaType];
    return this.door.withTemp(async (dir) => {
      let submit: SubmitJob;
      if (uploadFormat) {
        if (!query.model) throw invalid('an upload names its model in the query: ?model=NAME');
        const path = join(dir, basename(query.name ?? `upload.${uploadFormat}`));
        // Past the limit nothing is stored: the job is only planned, uploaded and written once the file is whole.
        await saveBody(body as Readable, request.headers, path, {
          limitBytes: this.door.config.AVIARY_BATCH_UPLOAD_LIMIT,
          message: `the upload is larger than the limit set by AVIARY_BATCH_UPLOAD_LIMIT (${this.door.config.AVIARY_BATCH_UPLOAD_LIMIT} bytes)`,
        });
        submit = {
          path,
          model: query.model,
          version: query.version,
          format: uploadFormat,
          outputFormat: requireFormat<OutputFormat>(query.format ?? 'jsonl', OUTPUT_FORMATS, 'format'),
          keep: keepList(query.keep),
        };
      } else {
        const request = parseOrThrow(submitBatchJobSchema, body, 'batch job');
        const path = join(dir, 'input');
        await store.downloadObject(request.object, path);
        submit = { ...request, path };
      }
      return submitJob(store, registry, submit);
    });
  }

  @Get()
  async list() {
    return { jobs: await (await this.door.open()).store.listJobs() };
  }

  @Get(':id')
  async status(@Param('id') id: string) {
    return jobStatus((await this.door.open()).store, id);
  }

  @Post(':id/cancel')
  async cancel(@Param('id') id: string) {
    return cancelJob((await this.door.open()).store, id);
  }

  @Get(':id/output')
  output(@Param('id') id: string, @Res() reply: FastifyReply) {
    return this.send(id, 'output', reply);
  }

  @Get(':id/errors')
  errors(@Param('id') id: string, @Res() reply: FastifyReply) {
    return this.send(id, 'errors', reply);
  }

  private async send(id: string, which: 'output' | 'errors', reply: FastifyReply) {
    const { store } = await this.door.open();
    const { job } = await store.getJob(id);
    const result = await jobResult(store, id, which);
    const type = which === 'output' && job.output.format === 'csv' ? 'text/csv' : 'application/x-ndjson';
    return reply.header('content-type', type).send(Readable.from(result));
  }
}
