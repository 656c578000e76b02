import { ConfigError } from '@aviary/contracts';
import { loadEdgeConfig } from './config';

describe('the edge agent configuration', () => {
  it('reads the probation as a duration with a unit, a bare number being milliseconds', () => {
    expect(loadEdgeConfig({ AVIARY_EDGE_PROBATION: '2m' }).AVIARY_EDGE_PROBATION).toBe(120_000);
    expect(loadEdgeConfig({ AVIARY_EDGE_PROBATION: '90s' }).AVIARY_EDGE_PROBATION).toBe(90_000);
    expect(loadEdgeConfig({ AVIARY_EDGE_PROBATION: '500' }).AVIARY_EDGE_PROBATION).toBe(500);
    expect(loadEdgeConfig({}).AVIARY_EDGE_PROBATION).toBe(120_000);
  });

  it('serves from NATS unless a bundle is named, an empty value counting as unset', () => {
    expect(loadEdgeConfig({ AVIARY_EDGE_BUNDLE: '' }).AVIARY_EDGE_BUNDLE).toBeUndefined();
    expect(loadEdgeConfig({ AVIARY_EDGE_BUNDLE: './bundle' }).AVIARY_EDGE_BUNDLE).toBe('./bundle');
  });

  it('refuses a bad duration and an error rate above 1, naming both', () => {
    const load = () => loadEdgeConfig({ AVIARY_EDGE_PROBATION: 'soon', AVIARY_EDGE_ROLLBACK_ERROR_RATE: '5' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/AVIARY_EDGE_PROBATION: expected a duration such as 2m, 90s or 500ms, got "soon"/);
    expect(load).toThrow(/AVIARY_EDGE_ROLLBACK_ERROR_RATE/);
  });
});
