// Readiness for services whose only dependency is NATS: ready while the connection is up.
import { NatsRpc } from './rpc';
import { ReadinessCheck } from '@aviary/telemetry';
import { Injectable } from '@nestjs/common';

@Injectable()
export class NatsReadiness implements ReadinessCheck {
  constructor(private readonly rpc: NatsRpc) {}

  async ready() {
    return this.rpc.connection.isClosed() ? { ready: false, reason: 'NATS connection closed' } : { ready: true };
  }
}
