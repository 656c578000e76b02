import { createLogger, setLogLevel } from './logger';
import { startTracing, tracer } from './tracing';

// createLogger writes to stdout and takes no destination; this routes pino's output into mockLines instead,
// leaving every option createLogger passes untouched.
const mockLines: string[] = [];
jest.mock('pino', () => {
  const actual = jest.requireActual('pino');
  const { Writable } = jest.requireActual('node:stream');
  const capture = new Writable({
    write(chunk: Buffer, _encoding: string, done: () => void) {
      mockLines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const wrapped = (options: object) => actual(options, capture);
  return Object.assign(wrapped, actual, { default: wrapped, __esModule: true });
});

const logged = () => mockLines.map((line) => JSON.parse(line) as Record<string, unknown>);

describe('createLogger', () => {
  beforeAll(() => {
    startTracing('logger-spec', { OTEL_BSP_SCHEDULE_DELAY: 1000 });
  });

  beforeEach(() => {
    mockLines.length = 0;
  });

  it('writes one JSON line per entry with the service, the level label and an ISO time', () => {
    createLogger('gateway').info({ port: 8080 }, 'gateway listening');
    const [entry] = logged();
    expect(entry).toMatchObject({ service: 'gateway', level: 'info', port: 8080, msg: 'gateway listening' });
    expect(new Date(entry.time as string).toISOString()).toBe(entry.time);
  });

  it('adds the trace and span ids of the active span, so a log line leads to its trace', () => {
    const log = createLogger('inference');
    const ids = tracer().startActiveSpan('infer', (span) => {
      log.info('running model');
      span.end();
      return span.spanContext();
    });
    expect(logged()).toEqual([
      expect.objectContaining({ msg: 'running model', trace_id: ids.traceId, span_id: ids.spanId }),
    ]);
    expect(ids.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('keeps the ids across an await inside the span', async () => {
    const log = createLogger('inference');
    const ids = await tracer().startActiveSpan('infer', async (span) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      log.info('after await');
      span.end();
      return span.spanContext();
    });
    expect(logged()[0]).toMatchObject({ trace_id: ids.traceId, span_id: ids.spanId });
  });

  it('adds no trace ids outside a span', () => {
    createLogger('inference').info('idle');
    expect(logged()[0]).not.toHaveProperty('trace_id');
    expect(logged()[0]).not.toHaveProperty('span_id');
  });

  describe('levels', () => {
    afterEach(() => setLogLevel('info'));

    it('starts at info, whatever LOG_LEVEL says, so importing a module never reads the environment', () => {
      const before = process.env.LOG_LEVEL;
      process.env.LOG_LEVEL = 'verbose';
      try {
        const log = createLogger('flags');
        log.debug('not shown');
        log.info('shown');
        expect(logged().map((e) => e.msg)).toEqual(['shown']);
      } finally {
        if (before === undefined) delete process.env.LOG_LEVEL;
        else process.env.LOG_LEVEL = before;
      }
    });

    it('takes the configured level, in loggers created before it was set and after', () => {
      const early = createLogger('flags');
      setLogLevel('warn');
      const late = createLogger('gateway');
      for (const log of [early, late]) {
        log.info('not shown');
        log.warn('shown');
      }
      expect(logged().map((e) => [e.service, e.msg])).toEqual([
        ['flags', 'shown'],
        ['gateway', 'shown'],
      ]);
    });
  });
});
