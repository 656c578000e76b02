// What the request-limit checks cost on the predict and infer hot paths, at the gateway's default limits:
// checkJsonText (depth and string lengths, one pass over the body) per body size, beside JSON.parse for scale.
// Usage: npm run build && node dist/bench/src/request-limits.js [--iterations 200000]
import { checkJsonText, RequestLimits } from '@aviary/contracts';
import { parseArgs } from 'node:util';

const LIMITS: RequestLimits = {
  AVIARY_MAX_JSON_DEPTH: 32,
  AVIARY_MAX_PREDICT_RECORDS: 10_000,
  AVIARY_MAX_TENSOR_ELEMENTS: 4 * 1024 * 1024,
  AVIARY_MAX_STRING_BYTES: 4 * 1024 * 1024,
};
const RECORD = { date: '2001/01/14 17:05', distance: 1009, origin: 'SEA', destination: 'SFO' };

function microsPerCall(iterations: number, run: () => void): number {
  for (let i = 0; i < Math.min(iterations, 10_000); i++) run();
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) run();
  return Number(process.hrtime.bigint() - start) / 1000 / iterations;
}

function main(): void {
  const { values } = parseArgs({ options: { iterations: { type: 'string', default: '200000' } } });
  const iterations = Number(values.iterations);
  const bodies: [string, string][] = [
    ['predict, 1 record', JSON.stringify({ instances: [RECORD] })],
    ['predict, 64 records', JSON.stringify({ instances: Array.from({ length: 64 }, () => RECORD) })],
    [
      'infer, 1 x 17 FP32',
      JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 17], data: Array(17).fill(0.123) }] }),
    ],
  ];
  console.log('body                    bytes  checkJsonText µs  JSON.parse µs');
  for (const [name, text] of bodies) {
    const bytes = Buffer.from(text);
    const check = microsPerCall(iterations, () => checkJsonText(bytes, LIMITS));
    const parse = microsPerCall(iterations, () => JSON.parse(bytes.toString('utf8')));
    console.log(
      `${name.padEnd(22)} ${String(bytes.length).padStart(6)}  ${check.toFixed(3).padStart(16)}  ${parse.toFixed(3).padStart(13)}`,
    );
  }
}

main();
