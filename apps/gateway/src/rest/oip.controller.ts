// Open Inference Protocol over REST: /v2 health, metadata and infer.
import {
  binaryOutputsOf,
  encodeInferResponse,
  INFERENCE_HEADER,
  oipInferRequestSchema,
  OipInferResponse,
  parseOrThrow,
  splitBinaryBody,
  tensorsFromRequest,
} from '@aviary/contracts';
import { FastifyReply } from 'fastify';
import { Body, Controller, Get, Headers, HttpCode, HttpException, Param, Post, Res } from '@nestjs/common';
import { InferenceService } from '../inference.service';

interface InferCall {
  model: string;
  version?: string;
  body: unknown;
  headerLength?: string;
  reply: FastifyReply;
}

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
  infer(
    @Param('model') model: string,
    @Body() body: unknown,
    @Headers(INFERENCE_HEADER) headerLength: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.runInfer({ model, body, headerLength, reply });
  }

  @Post('models/:model/versions/:version/infer')
  @HttpCode(200)
  inferVersion(
    @Param('model') model: string,
    @Param('version') version: string,
    @Body() body: unknown,
    @Headers(INFERENCE_HEADER) headerLength: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.runInfer({ model, version, body, headerLength, reply });
  }

  private async readiness(model: string, version?: string) {
    const ready = await this.inference.modelReady(model, version);
    if (!ready)
      throw new HttpException({ name: model, ready: false, error: `model "${model}" has no ready replica` }, 503);
    return { name: model, ready: true };
  }

  /** JSON, or the binary tensor data extension when the body arrives as application/octet-stream. */
  private async runInfer(call: InferCall): Promise<OipInferResponse | Buffer> {
    const { json, tail } = Buffer.isBuffer(call.body)
      ? splitBinaryBody(call.body, call.headerLength)
      : { json: call.body, tail: undefined };
    const request = parseOrThrow(oipInferRequestSchema, json, 'inference request');
    const result = await this.inference.infer({
      model: call.model,
      version: call.version,
      id: request.id,
      inputs: tensorsFromRequest(request, tail),
      outputs: request.outputs?.map((o) => o.name),
    });
    const head = {
      model_name: result.model,
      model_version: result.version,
      ...(result.id !== undefined && { id: result.id }),
    };
    const encoded = encodeInferResponse<OipInferResponse>(head, result.outputs, binaryOutputsOf(request));
    if (!('headerLength' in encoded)) return encoded;
    void call.reply.header(INFERENCE_HEADER, encoded.headerLength).type('application/octet-stream');
    return encoded.body;
  }
}
