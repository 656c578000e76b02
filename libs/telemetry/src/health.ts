// Health and metrics over HTTP for every service: /health/live, /health/ready, /metrics.
// An app mounts HealthController and provides READINESS_CHECK with its own check.
import { Controller, Get, Header, HttpException, Inject } from '@nestjs/common';
import { metricsRegistry } from './metrics';

/** Answers whether this service can do its job right now, and if not, why. */
export interface ReadinessCheck {
  ready(): Promise<{ ready: boolean; reason?: string }>;
}

export const READINESS_CHECK = Symbol('READINESS_CHECK');

@Controller()
export class HealthController {
  constructor(@Inject(READINESS_CHECK) private readonly readiness: ReadinessCheck) {}

  @Get('health/live')
  live() {
    return { live: true };
  }

  @Get('health/ready')
  async ready() {
    const result = await this.readiness.ready();
    if (!result.ready) throw new HttpException({ ready: false, error: result.reason ?? 'not ready' }, 503);
    return { ready: true };
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metrics() {
    return metricsRegistry.metrics();
  }
}
