// The traffic of every active rollout as flagd flags in the reserved flag set the controller alone writes: per
// model a version flag `model.<name>` whose variants `stable` and `canary` name versions, the match rules first and
// then flagd's `fractional` on the targeting key. flagd-core's fractional maps a key's murmur3 hash to a bucket in
// [0, total weight) (hash * 100 >> 32 here: the weights always sum to 100) and walks the variants in order, so with
// stable listed first a key is on the canary exactly when its bucket is >= 100 - weight: it stays put while the weight
// holds, and as the weight grows keys only move from stable to the canary. A request without a targeting key matches
// no bucket (flagd answers the default, stable); the gateway gives such a request a random key for this flag.
// A header rule reads `$header.<name>`: the gateway copies into the evaluation context only the headers its flags
// name (headersNamedBy in @aviary/flags-engine), so the predict path pays nothing when no rule names one.
import { HEADER_CONTEXT_KEY, modelShadowFlag, modelVersionFlag } from '@aviary/contracts';
import type { RolloutActions } from './rollout-machine';

export type RolloutTraffic = NonNullable<RolloutActions['traffic']>;

export function rolloutFlag(traffic: RolloutTraffic): object {
  const split = { fractional: [{ var: 'targetingKey' }, ['stable', 100 - traffic.weight], ['canary', traffic.weight]] };
  const rules = traffic.match.flatMap((m) => [
    { in: [{ var: 'header' in m ? `${HEADER_CONTEXT_KEY}.${m.header}` : m.attribute }, m.values] },
    'canary',
  ]);
  return {
    state: 'ENABLED',
    variants: { stable: traffic.stable, canary: traffic.canary },
    defaultVariant: 'stable',
    targeting: rules.length ? { if: [...rules, split] } : split,
    metadata: { managedBy: 'rollout-controller' },
  };
}

/**
 * The model's shadow flag in the reserved set: every request stable answers is in the sample with the share asked
 * (the gateway's inShadowSample), and operators' own shadow flag, in their set, wins over it.
 */
export function rolloutShadowFlag(traffic: RolloutTraffic & { shadow: { percent: number } }): object {
  return {
    state: 'ENABLED',
    variants: { shadow: { version: traffic.canary, percent: traffic.shadow.percent } },
    defaultVariant: 'shadow',
    metadata: { managedBy: 'rollout-controller' },
  };
}

/** The reserved set's whole document for the active rollouts, keyed by model (stable JSON: same traffic, same text). */
export function rolloutFlagDocument(traffic: ReadonlyMap<string, RolloutTraffic>): string {
  const flags = Object.fromEntries(
    [...traffic]
      .sort(([a], [b]) => a.localeCompare(b))
      .flatMap(([model, t]): [string, object][] => [
        ...(t.versionFlag === false ? [] : [[modelVersionFlag(model), rolloutFlag(t)] as [string, object]]),
        ...(t.shadow
          ? [[modelShadowFlag(model), rolloutShadowFlag({ ...t, shadow: t.shadow })] as [string, object]]
          : []),
      ]),
  );
  return JSON.stringify({ flags }, null, 2);
}
