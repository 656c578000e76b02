import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { candidateProblems, durationMs, parseRolloutDocument, RolloutRejected } from './rollout-document';
import { SUCCESS_RATE_METRIC } from './spec-fixtures';

const canary = (canaryPart: object, extra: object = {}) => ({
  model: 'flight-delay',
  candidate: '2',
  ...extra,
  strategy: { canary: canaryPart },
});

const successRate = SUCCESS_RATE_METRIC;

function problemsOf(document: unknown): { path: string; message: string }[] {
  try {
    parseRolloutDocument(document);
  } catch (e) {
    if (e instanceof RolloutRejected) return e.problems;
    throw e;
  }
  throw new Error('the document was accepted');
}

describe('parseRolloutDocument', () => {
  it('resolves steps, templates and Argo’s defaults', () => {
    const spec = parseRolloutDocument(
      JSON.stringify(
        canary(
          {
            steps: [
              { setWeight: 20 },
              { analysis: { templates: ['health'] } },
              { pause: { duration: '1s' } },
              { pause: {} },
            ],
            match: [{ attribute: 'tier', values: ['internal'] }],
          },
          { analysisTemplates: { health: { metrics: [successRate] } } },
        ),
      ),
    );
    expect(spec.steps).toEqual([
      { kind: 'setWeight', weight: 20 },
      {
        kind: 'analysis',
        metrics: [
          expect.objectContaining({
            name: 'success-rate',
            provider: { builtin: { metric: 'success-rate', version: 'candidate' } },
            intervalMs: 1000,
            count: 2,
            failureLimit: 0,
            inconclusiveLimit: 0,
            consecutiveErrorLimit: 4,
            dryRun: false,
          }),
        ],
      },
      { kind: 'pause', durationMs: 1000 },
      { kind: 'pause' },
    ]);
    expect(spec.match).toEqual([{ attribute: 'tier', values: ['internal'] }]);
  });

  it('lists every problem of an invalid document at once, each with its path', () => {
    const problems = problemsOf({
      model: 'Flight Delay',
      candidate: '2',
      strategy: {
        canary: {
          steps: [
            { setWeight: 120 },
            { pause: { duration: 'soon' } },
            { analysis: { metrics: [{ ...successRate, name: 'nope', successCondition: 'result >=' }] } },
            { jump: 1 },
          ],
        },
      },
    });
    const paths = problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'model',
        'strategy.canary.steps.0.setWeight',
        'strategy.canary.steps.1.pause.duration',
        'strategy.canary.steps.2.analysis.metrics.0.successCondition',
        'strategy.canary.steps.2.analysis.metrics.0.name',
        'strategy.canary.steps.3',
      ]),
    );
  });

  it('refuses a step analysis that would never finish and an unknown template', () => {
    const problems = problemsOf(
      canary({ steps: [{ analysis: { templates: ['missing'], metrics: [{ ...successRate, count: undefined }] } }] }),
    );
    expect(problems.map((p) => p.message)).toEqual([
      'no analysis template "missing" in analysisTemplates',
      'metric "success-rate" has an interval but no count: a step analysis would never finish',
    ]);
  });

  it('accepts a prometheus metric behind the same fields', () => {
    const prometheus = { prometheus: { address: 'http://127.0.0.1:9090', query: 'sum(up)' } };
    const spec = parseRolloutDocument(
      canary({
        steps: [{ analysis: { metrics: [{ name: 'up', provider: prometheus, successCondition: 'result > 0' }] } }],
      }),
    );
    expect(spec.steps[0]).toMatchObject({ metrics: [{ provider: prometheus, count: 1 }] });
  });

  it('reads durations', () => {
    expect([durationMs('500ms'), durationMs('30s'), durationMs('5m'), durationMs(2), durationMs('2 days')]).toEqual([
      500,
      30_000,
      300_000,
      2000,
      undefined,
    ]);
  });
});

describe('candidateProblems', () => {
  const spec = { model: 'flight-delay', candidate: '2' };
  it('accepts a ready candidate beside a serving stable', () => {
    const facts = {
      versions: [
        { version: '1', state: 'serving' },
        { version: '2', state: 'ready' },
      ],
      servingVersion: '1',
    };
    expect(candidateProblems(spec, facts)).toEqual([]);
  });

  it('rejects an unknown model, a cold candidate and a candidate that is already stable', () => {
    expect(candidateProblems(spec, undefined)).toEqual([
      { path: 'model', message: 'no model "flight-delay" is registered' },
    ]);
    expect(
      candidateProblems(spec, { versions: [{ version: '2', state: 'loading' }], servingVersion: '1' })[0].message,
    ).toMatch(/is loading, not ready/);
    expect(
      candidateProblems(spec, { versions: [{ version: '2', state: 'serving' }], servingVersion: '2' })[0].message,
    ).toMatch(/must differ from stable/);
  });
});

describe('blue/green documents, header rules and YAML', () => {
  const examples = join(__dirname, '../../../examples/rollouts');

  it('resolves a blue/green into its steps: pre-promotion analysis, the wait, the switch, post-promotion analysis', () => {
    const spec = parseRolloutDocument(readFileSync(join(examples, 'flight-delay-bluegreen.yaml'), 'utf8'));
    expect(spec.steps.map((s) => ('label' in s && s.label) || s.kind)).toEqual([
      'pre-promotion analysis',
      'auto-promotion',
      'switch',
      'post-promotion analysis',
    ]);
    expect(spec.steps[1]).toMatchObject({ kind: 'pause', durationMs: 60_000 });
    expect(spec.blueGreen).toEqual({ scaleDownDelayMs: 300_000, autoPromotionMs: 60_000 });
    expect(spec.match).toEqual([
      { header: 'x-canary', values: ['yes'] },
      { attribute: 'tier', values: ['internal'] },
    ]);
    expect(spec.background).toEqual([]);
  });

  it('defaults the scale-down delay to 30 s and waits for promotion without autoPromotionSeconds', () => {
    const spec = parseRolloutDocument({ model: 'flight-delay', candidate: '2', strategy: { blueGreen: {} } });
    expect(spec.steps).toEqual([{ kind: 'pause', label: 'waiting for promotion' }, { kind: 'switch' }]);
    expect(spec.blueGreen).toEqual({ scaleDownDelayMs: 30_000 });
    expect(spec.match).toEqual([]);
  });

  it('reads the canary YAML example with its header rule', () => {
    const spec = parseRolloutDocument(readFileSync(join(examples, 'flight-delay-canary.yaml'), 'utf8'));
    expect(spec.match).toEqual([{ header: 'x-canary', values: ['yes'] }]);
    expect(spec.steps[3]).toEqual({ kind: 'pause', durationMs: 300_000 });
  });

  it('takes exactly one strategy', () => {
    const both = { canary: { steps: [{ setWeight: 10 }] }, blueGreen: {} };
    expect(problemsOf({ model: 'flight-delay', candidate: '2', strategy: both })).toEqual([
      { path: 'strategy', message: 'a strategy is exactly one of canary, blueGreen, shadow' },
    ]);
    expect(problemsOf({ model: 'flight-delay', candidate: '2', strategy: {} })[0].path).toBe('strategy');
  });

  it('lists every problem of a blue/green and of its match rules with their paths', () => {
    const problems = problemsOf({
      model: 'flight-delay',
      candidate: '2',
      strategy: {
        blueGreen: {
          preview: {
            match: [
              { header: 'X.Canary', values: ['yes'] },
              { header: 'X-Canary', attribute: 'tier', values: ['a'] },
              { header: 'X-Canary', values: [1] },
            ],
          },
          autoPromotionSeconds: -1,
          prePromotionAnalysis: { metrics: [{ ...successRate, count: undefined }] },
          scaleDownDelaySeconds: 'soon',
        },
      },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        {
          path: 'strategy.blueGreen.preview.match.0.header',
          message: 'a header name is letters, digits, "-" and "_", like "X-Canary"',
        },
        {
          path: 'strategy.blueGreen.preview.match.1',
          message: 'a match rule names exactly one of attribute or header',
        },
        { path: 'strategy.blueGreen.preview.match.2.values.0', message: 'a header value is text, got 1' },
        expect.objectContaining({ path: 'strategy.blueGreen.autoPromotionSeconds' }),
        expect.objectContaining({ path: 'strategy.blueGreen.scaleDownDelaySeconds' }),
      ]),
    );
    expect(
      problemsOf({
        model: 'flight-delay',
        candidate: '2',
        strategy: { blueGreen: { prePromotionAnalysis: { metrics: [{ ...successRate, count: undefined }] } } },
      }),
    ).toEqual([
      {
        path: 'strategy.blueGreen.prePromotionAnalysis',
        message: 'metric "success-rate" has an interval but no count: a step analysis would never finish',
      },
    ]);
  });

  it('lists the problems of a YAML document with their paths, as of JSON', () => {
    const yaml = [
      'model: Flight Delay',
      'candidate: "2"',
      'strategy:',
      '  canary:',
      '    steps:',
      '      - setWeight: 120',
    ];
    expect(problemsOf(yaml.join('\n')).map((p) => p.path)).toEqual(['model', 'strategy.canary.steps.0.setWeight']);
  });

  it('says where YAML is broken, and keeps JSON.parse’s message for broken JSON', () => {
    const yaml = problemsOf('model: flight-delay\ncandidate: [2\nstrategy: {}\n');
    expect(yaml).toHaveLength(1);
    expect(yaml[0]).toMatchObject({ path: '' });
    expect(yaml[0].message).toMatch(/^not YAML: .*line \d+, column \d+/);
    const json = problemsOf('{"model": "flight-delay", "candidate": }');
    expect(json).toEqual([{ path: '', message: expect.stringMatching(/^not JSON: Unexpected token/) }]);
  });

  it('refuses a YAML document with a key given twice', () => {
    expect(problemsOf('model: flight-delay\nmodel: other\n')[0].message).toMatch(/^not YAML: Map keys must be unique/);
  });
});

describe('the shadow strategy document', () => {
  const agreement = { ...successRate, name: 'shadow-agreement', successCondition: 'result >= 0.9' };
  const shadowDoc = (shadow: object) => ({ model: 'flight-delay', candidate: '2', strategy: { shadow } });

  it('is exactly one of canary and shadow, with only pauses and analyses as steps', () => {
    expect(problemsOf({ model: 'flight-delay', candidate: '2', strategy: {} })).toEqual([
      { path: 'strategy', message: 'a strategy is exactly one of canary, blueGreen, shadow' },
    ]);
    expect(
      problemsOf({
        model: 'flight-delay',
        candidate: '2',
        strategy: { canary: { steps: [{ setWeight: 10 }] }, shadow: { percent: 10, steps: [{ pause: {} }] } },
      }),
    ).toEqual([{ path: 'strategy', message: 'a strategy is exactly one of canary, blueGreen, shadow' }]);
    const problems = problemsOf(shadowDoc({ percent: 0, steps: [{ setWeight: 10 }], promote: 'later' }));
    expect(problems.map((p) => p.path).sort()).toEqual([
      'strategy.shadow.percent',
      'strategy.shadow.promote',
      'strategy.shadow.steps.0',
    ]);
  });

  it('accepts the shadow metrics by name, each needing an interval like any built-in metric', () => {
    const spec = parseRolloutDocument(shadowDoc({ percent: 10, steps: [{ analysis: { metrics: [agreement] } }] }));
    expect(spec).toMatchObject({ strategy: 'shadow', shadow: { percent: 10 }, match: [], background: [] });
    expect(spec.steps[0]).toMatchObject({
      kind: 'analysis',
      metrics: [{ name: 'shadow-agreement', provider: { builtin: { metric: 'shadow-agreement' } } }],
    });
    const noInterval = { ...agreement, interval: undefined };
    expect(problemsOf(shadowDoc({ percent: 10, steps: [{ analysis: { metrics: [noInterval] } }] }))).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/needs an interval/) }),
    ]);
  });

  it('takes webhooks with http(s) URLs and known kinds or phases as event filters', () => {
    const document = (webhooks: object[]) => ({
      ...shadowDoc({ percent: 10, steps: [{ pause: {} }] }),
      notifications: { webhooks },
    });
    const hook = { url: 'http://127.0.0.1:9000/hook', events: ['Degraded', 'measurement'], headers: { a: 'b' } };
    expect(parseRolloutDocument(document([hook])).webhooks).toEqual([hook]);
    expect(problemsOf(document([{ url: 'ftp://x/y', events: ['Exploded'] }])).map((p) => p.path)).toEqual([
      'notifications.webhooks.0.url',
      'notifications.webhooks.0.events.0',
    ]);
  });
});
