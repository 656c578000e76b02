import { areaOf, summarizeProfile } from './profile-summary';

describe('areaOf', () => {
  it('names the package a frame comes from, scoped packages included', () => {
    expect(areaOf('file:///w/node_modules/@grpc/grpc-js/build/src/call.js', 'write')).toBe('@grpc/grpc-js');
    expect(areaOf('file:///w/node_modules/fastify/lib/reply.js', 'send')).toBe('fastify');
  });

  it('names workspace libs by their package name and apps by their folder', () => {
    expect(areaOf('file:///w/dist/libs/features/src/apply.js', 'apply')).toBe('@aviary/features');
    expect(areaOf('file:///w/dist/apps/gateway/src/predict.service.js', 'predict')).toBe('apps/gateway');
  });

  it('keeps V8 pseudo-frames such as the garbage collector apart from native code', () => {
    expect(areaOf('', '(garbage collector)')).toBe('(garbage collector)');
    expect(areaOf('', 'JSON.parse')).toBe('native / builtins');
    expect(areaOf('node:internal/streams/writable', 'write')).toBe('node internals');
  });
});

describe('summarizeProfile', () => {
  it('splits sampled time into idle and busy, ranks busy time by area, and finds the service it profiled', () => {
    const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });
    const profile = {
      startTime: 0,
      endTime: 10_000, // µs: 10 samples of 1 ms
      nodes: [
        { id: 1, callFrame: frame('(idle)', '') },
        { id: 2, callFrame: frame('', 'file:///w/dist/apps/gateway/src/main.js') },
        { id: 3, callFrame: frame('parse', 'file:///w/node_modules/fastify/lib/x.js') },
        { id: 4, callFrame: frame('(garbage collector)', '') },
      ],
      samples: [1, 1, 1, 1, 3, 3, 3, 4, 2, 3],
    };

    const summary = summarizeProfile(profile);

    expect(summary.process).toBe('gateway');
    expect(summary.idleMs).toBeCloseTo(4);
    expect(summary.busyMs).toBeCloseTo(6);
    expect(summary.byArea[0]).toMatchObject({ name: 'fastify', percent: expect.closeTo(66.7, 1) });
  });
});
