// The rollout admin API: the same use cases as `aviary rollout ...` (RolloutAdmin), over REST, documents in JSON or
// YAML; and moving a serving pointer by hand, refused while a rollout holds it. No authentication yet.
import { invalid, parseOrThrow, ROLLOUT_COMMANDS } from '@aviary/contracts';
import { ServingPointers } from '@aviary/model-registry';
import { RolloutAdmin, RolloutCommand, serveVersion } from '@aviary/rollout';
import { Body, Controller, Get, HttpCode, Injectable, OnModuleInit, Param, Post, Put } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FastifyInstance } from 'fastify';
import { z } from 'zod';

/** A YAML body reaches the controller as its text, which parseRolloutDocument reads. */
const YAML_TYPES = ['application/yaml', 'text/yaml', 'application/x-yaml'];

@Injectable()
export class YamlBodies implements OnModuleInit {
  constructor(private readonly adapter: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapter.httpAdapter.getInstance<FastifyInstance>();
    fastify.addContentTypeParser(YAML_TYPES, { parseAs: 'string' }, (_request, body, done) => done(null, body));
  }
}

@Controller('v1/admin/rollouts')
export class RolloutsController {
  constructor(private readonly admin: RolloutAdmin) {}

  @Get()
  async list() {
    return { rollouts: await this.admin.list() };
  }

  /** The body is a Rollout document (application/json or application/yaml); its `model` names the rollout. */
  @Put()
  apply(@Body() body: unknown) {
    if (body === undefined || body === null || body === '')
      throw invalid('the body must be a Rollout document (JSON or YAML)');
    return this.admin.apply(body);
  }

  @Get(':model')
  get(@Param('model') model: string) {
    return this.admin.get(model);
  }

  @Get(':model/history')
  async history(@Param('model') model: string) {
    return { model, events: await this.admin.history(model) };
  }

  /** promote, promote-full, pause, resume, abort, retry, undo. */
  @Post(':model/:command')
  @HttpCode(200)
  command(@Param('model') model: string, @Param('command') command: string) {
    if (!(ROLLOUT_COMMANDS as readonly string[]).includes(command))
      throw invalid(`the command must be one of ${ROLLOUT_COMMANDS.join(', ')}, got "${command}"`);
    return this.admin.command(model, command as RolloutCommand);
  }
}

const serveBodySchema = z.strictObject({ version: z.string().min(1) });

/** `aviary models serve` over REST. */
@Controller('v1/admin/models')
export class ServingController {
  constructor(
    private readonly admin: RolloutAdmin,
    private readonly pointers: ServingPointers,
  ) {}

  @Put(':model/serving')
  serve(@Param('model') model: string, @Body() body: unknown) {
    const { version } = parseOrThrow(serveBodySchema, body, 'serving request');
    return serveVersion(this.pointers, this.admin, { model, version, by: 'admin-api' });
  }
}
