// Ready when NATS is connected and every known version has finished loading (or failed with a reason).
import { NatsReadiness } from '@aviary/messaging';
import { ReadinessCheck } from '@aviary/telemetry';
import { Injectable } from '@nestjs/common';
import { ModelHost } from './model-host';

@Injectable()
export class InferenceReadiness implements ReadinessCheck {
  constructor(
    private readonly nats: NatsReadiness,
    private readonly host: ModelHost,
  ) {}

  async ready() {
    const nats = await this.nats.ready();
    if (!nats.ready) return nats;
    if (!this.host.settled()) return { ready: false, reason: 'model versions still loading' };
    return { ready: true };
  }
}
