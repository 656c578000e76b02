import { VersionSummary } from '@aviary/model-registry';
import { servingReport } from './serving-report';

const version = (
  name: string,
  v: string,
  state: VersionSummary['state'],
  readyReplicas = state === 'ready' ? 1 : 0,
): VersionSummary => ({
  name,
  version: v,
  state,
  readyReplicas,
  sha256: 'a'.repeat(64),
  metrics: {},
});

describe('servingReport', () => {
  it('serves the newest version that some replica has ready, comparing numeric versions by value', () => {
    const report = servingReport([
      version('flight-delay', '10', 'ready', 2),
      version('flight-delay', '9', 'ready'),
      version('flight-delay', '2', 'ready'),
    ]);
    expect(report).toEqual([
      {
        model: 'flight-delay',
        servingVersion: '10',
        versions: [
          { version: '2', state: 'ready', readyReplicas: 1 },
          { version: '9', state: 'ready', readyReplicas: 1 },
          { version: '10', state: 'ready', readyReplicas: 2 },
        ],
      },
    ]);
  });

  it('keeps serving the older ready version while a newer one is still loading or failed', () => {
    const report = servingReport([
      version('m', '1', 'ready'),
      version('m', '2', 'loading'),
      version('m', '3', 'failed'),
    ]);
    expect(report[0].servingVersion).toBe('1');
    expect(report[0].versions.map((v) => v.state)).toEqual(['ready', 'loading', 'failed']);
  });

  it('serves nothing for a model with no ready version', () => {
    expect(servingReport([version('m', '1', 'unserved'), version('m', '2', 'failed')])[0].servingVersion).toBeNull();
  });

  it('reports each model once, in name order', () => {
    const report = servingReport([
      version('zebra', '1', 'ready'),
      version('penguin', '1', 'ready'),
      version('zebra', '2', 'ready'),
    ]);
    expect(report.map((r) => [r.model, r.servingVersion])).toEqual([
      ['penguin', '1'],
      ['zebra', '2'],
    ]);
  });

  it('reports nothing when there are no versions', () => {
    expect(servingReport([])).toEqual([]);
  });
});
