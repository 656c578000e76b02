// Ready when NATS is connected and every known version has finished loading (or failed with a reason).
import { NatsRpc } from '@aviary/messaging';
import { ReadinessCheck } from '@aviary/telemetry';
import { Injectable } from '@nestjs/common';
import { ModelHost } from './model-host';

@Injectable()
export class InferenceReadiness implements ReadinessCheck {
  constructor(
    private readonly rpc: NatsRpc,
    private readonly host: ModelHost,
  ) {}

  async ready() {
    if (this.rpc.connection.isClosed()) return { ready: false, reason: 'NATS connection closed' };
    if (!this.host.settled()) return { ready: false, reason: 'model versions still loading' };
    return { ready: true };
  }
}
