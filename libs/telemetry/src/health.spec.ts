import 'reflect-metadata';
import { freePort } from '@aviary/testing';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { HealthController, READINESS_CHECK, ReadinessCheck } from './health';
import { counter } from './metrics';

/** A readiness check the test flips, standing in for "NATS connected" or "model loaded". */
const check: ReadinessCheck & { state: { ready: boolean; reason?: string } } = {
  state: { ready: true },
  async ready() {
    return this.state;
  },
};

@Module({ controllers: [HealthController], providers: [{ provide: READINESS_CHECK, useValue: check }] })
class HealthSpecModule {}

describe('HealthController over HTTP', () => {
  let app: NestFastifyApplication;
  let base: string;

  beforeAll(async () => {
    app = await NestFactory.create<NestFastifyApplication>(HealthSpecModule, new FastifyAdapter(), { logger: false });
    const port = await freePort();
    await app.listen(port, '127.0.0.1');
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await app?.close();
  });

  it('answers live while the process runs', async () => {
    const res = await fetch(`${base}/health/live`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ live: true });
  });

  it('answers ready with 200 while the check passes', async () => {
    check.state = { ready: true };
    const res = await fetch(`${base}/health/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ready: true });
  });

  it('answers 503 with the reason while the check fails', async () => {
    check.state = { ready: false, reason: 'NATS connection closed' };
    const res = await fetch(`${base}/health/ready`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ ready: false, error: 'NATS connection closed' });
  });

  it('says "not ready" when the failing check gives no reason', async () => {
    check.state = { ready: false };
    expect(await (await fetch(`${base}/health/ready`)).json()).toEqual({ ready: false, error: 'not ready' });
  });

  it('serves the registry in the Prometheus text format', async () => {
    counter('health_spec_scrapes_total', 'Scrapes seen by the health spec', []).inc();
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await res.text()).toContain('health_spec_scrapes_total 1');
  });
});
