import { VersionSummary } from '@aviary/model-registry';
import { servingReport } from './serving-report';

const version = (
  name: string,
  v: string,
  state: VersionSummary['state'],
  readyReplicas = state === 'ready' || state === 'serving' ? 1 : 0,
): VersionSummary => ({
  name,
  version: v,
  state,
  readyReplicas,
  sha256: 'a'.repeat(64),
  metrics: {},
});

describe('servingReport', () => {
  it('names the version the serving pointer promoted, not the newest ready one, with versions in numeric order', () => {
    const report = servingReport([
      version('flight-delay', '10', 'ready', 2),
      version('flight-delay', '9', 'serving'),
      version('flight-delay', '2', 'ready'),
    ]);
    expect(report).toEqual([
      {
        model: 'flight-delay',
        servingVersion: '9',
        versions: [
          { version: '2', state: 'ready', readyReplicas: 1 },
          { version: '9', state: 'serving', readyReplicas: 1 },
          { version: '10', state: 'ready', readyReplicas: 2 },
        ],
      },
    ]);
  });

  it('serves nothing for a model none of whose versions is promoted and ready', () => {
    expect(servingReport([version('m', '1', 'ready'), version('m', '2', 'rejected')])[0].servingVersion).toBeNull();
  });

  it('reports each model once, in name order', () => {
    const report = servingReport([
      version('zebra', '1', 'ready'),
      version('penguin', '1', 'serving'),
      version('zebra', '2', 'serving'),
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
