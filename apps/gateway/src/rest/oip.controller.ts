// Open Inference Protocol over REST: /v2 health and metadata (infer is a direct route: direct-routes.ts).
import { Controller, Get, HttpException, Param, Res } from '@nestjs/common';
import { FastifyReply } from 'fastify';
import { InferenceService } from '../inference.service';

@Controller('v2')
export class OipController {
  constructor(private readonly inference: InferenceService) {}

  @Get()
  serverMetadata() {
    return this.inference.serverMetadata();
  }

  @Get('health/live')
  live() {
    return { live: true };
  }

  @Get('health/ready')
  async ready() {
    const result = await this.inference.serverReady();
    if (!result.ready) throw new HttpException({ ready: false, error: result.reason }, 503);
    return { ready: true };
  }

  @Get('models/:model')
  modelMetadata(@Param('model') model: string) {
    return this.inference.modelMetadata(model);
  }

  @Get('models/:model/versions/:version')
  versionMetadata(@Param('model') model: string, @Param('version') version: string) {
    return this.inference.modelMetadata(model, version);
  }

  @Get('models/:model/ready')
  modelReady(@Param('model') model: string, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.readiness(reply, model);
  }

  @Get('models/:model/versions/:version/ready')
  versionReady(
    @Param('model') model: string,
    @Param('version') version: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.readiness(reply, model, version);
  }

  /** OIP carries readiness in the status code too: 4xx (as Triton answers, 400) for a known model that is not ready. */
  private async readiness(reply: FastifyReply, model: string, version?: string) {
    const ready = await this.inference.modelReady(model, version);
    if (!ready) void reply.status(400);
    return { name: model, ready };
  }
}
