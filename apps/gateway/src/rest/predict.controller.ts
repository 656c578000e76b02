// The higher-level predict API on raw records.
import { parseOrThrow, predictRequestSchema } from '@aviary/contracts';
import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { PredictService } from '../predict.service';

@Controller('v1/models')
export class PredictController {
  constructor(private readonly predictions: PredictService) {}

  @Post(':model/predict')
  @HttpCode(200)
  predict(@Param('model') model: string, @Body() body: unknown) {
    const request = parseOrThrow(predictRequestSchema, body, 'predict request');
    return this.predictions.predict(model, request.instances);
  }

  @Post(':model/versions/:version/predict')
  @HttpCode(200)
  predictVersion(@Param('model') model: string, @Param('version') version: string, @Body() body: unknown) {
    const request = parseOrThrow(predictRequestSchema, body, 'predict request');
    return this.predictions.predict(model, request.instances, version);
  }
}
