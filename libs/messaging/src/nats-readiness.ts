// Readiness for services whose only dependency is NATS: ready while the connection is up (not while reconnecting).
import { NatsRpc } from './rpc';
import { ReadinessCheck } from '@aviary/telemetry';
import { Injectable } from '@nestjs/common';

@Injectable()
export class NatsReadiness implements ReadinessCheck {
  constructor(private readonly rpc: NatsRpc) {}

  async ready() {
    if (this.rpc.connected) return { ready: true };
    return {
      ready: false,
      reason: this.rpc.connection.isClosed() ? 'NATS connection closed' : 'NATS connection down, reconnecting',
    };
  }
}
