// The gateway's /health/ready: the same check as /v2/health/ready.
import { ReadinessCheck } from '@aviary/telemetry';
import { Injectable } from '@nestjs/common';
import { InferenceService } from './inference.service';

@Injectable()
export class GatewayReadiness implements ReadinessCheck {
  constructor(private readonly inference: InferenceService) {}

  ready() {
    return this.inference.serverReady();
  }
}
