// Open Inference Protocol over REST: /v2 health, metadata and infer.
import { oipInferRequestSchema, OipInferResponse, parseOrThrow, tensorFromJson, tensorToJson } from '@aviary/contracts';
import { Body, Controller, Get, HttpCode, HttpException, Param, Post } from '@nestjs/common';
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
  modelReady(@Param('model') model: string) {
    return this.readiness(model);
  }

  @Get('models/:model/versions/:version/ready')
  versionReady(@Param('model') model: string, @Param('version') version: string) {
    return this.readiness(model, version);
  }

  @Post('models/:model/infer')
  @HttpCode(200)
  infer(@Param('model') model: string, @Body() body: unknown) {
    return this.runInfer(model, undefined, body);
  }

  @Post('models/:model/versions/:version/infer')
  @HttpCode(200)
  inferVersion(@Param('model') model: string, @Param('version') version: string, @Body() body: unknown) {
    return this.runInfer(model, version, body);
  }

  private async readiness(model: string, version?: string) {
    const ready = await this.inference.modelReady(model, version);
    if (!ready)
      throw new HttpException({ name: model, ready: false, error: `model "${model}" has no ready replica` }, 503);
    return { name: model, ready: true };
  }

  private async runInfer(model: string, version: string | undefined, body: unknown): Promise<OipInferResponse> {
    const request = parseOrThrow(oipInferRequestSchema, body, 'inference request');
    const result = await this.inference.infer({
      model,
      version,
      id: request.id,
      inputs: request.inputs.map(tensorFromJson),
      outputs: request.outputs?.map((o) => o.name),
    });
    return {
      model_name: result.model,
      model_version: result.version,
      ...(result.id !== undefined && { id: result.id }),
      outputs: result.outputs.map(tensorToJson),
    };
  }
}
