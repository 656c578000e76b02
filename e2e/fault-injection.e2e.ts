// Fault injection (AVIARY_FAULT_INJECTION on inference), off by default: the named version fails about the share of
// predicts asked, through the whole path (gateway → preprocessor → inference), while another version is unaffected.
import { startStack, Stack } from '@aviary/testing';
import { FLIGHT, postJson } from './support';

describe('fault injection', () => {
  let stack: Stack;
  const predict = (version: string) =>
    postJson(`${stack.gateway.httpUrl}/v1/models/flight-delay/versions/${version}/predict`, { instances: [FLIGHT] });

  beforeAll(async () => {
    stack = await startStack({ env: { AVIARY_FAULT_INJECTION: 'flight-delay:1:errors=0.5' } });
    await stack.waitForModel('flight-delay', '1');
    await stack.waitForModel('flight-delay', '2');
  });

  afterAll(() => stack?.stop());

  it('fails about half the predicts of the faulty version with 503, and none of the other', async () => {
    const faulty = [];
    const healthy = [];
    for (let i = 0; i < 100; i++) {
      faulty.push(await predict('1'));
      healthy.push(await predict('2'));
    }
    const failed = faulty.filter((r) => r.status === 503);
    // 100 draws at 0.5: outside 30..70 happens about once in 10^4 runs.
    expect(failed.length).toBeGreaterThanOrEqual(30);
    expect(failed.length).toBeLessThanOrEqual(70);
    expect(faulty.filter((r) => r.status !== 503).every((r) => r.status === 200)).toBe(true);
    expect(failed[0].body.error).toMatch(/injected fault \(AVIARY_FAULT_INJECTION\)/);
    expect(healthy.map((r) => r.status)).toEqual(Array(100).fill(200));

    const metrics = await (
      await fetch(`${stack.processes.find((p) => p.service === 'inference')!.httpUrl}/metrics`)
    ).text();
    expect(metrics).toMatch(/aviary_inference_requests_total\{[^}]*version="1",outcome="error"[^}]*\} [1-9]/);
  });
});
