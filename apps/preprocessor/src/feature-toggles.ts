// The preprocessor's feature toggles: @aviary/flags-engine's toggleRuns on its live copy of the model flag set,
// counted by result and with each toggle failing open logged once.
import { RequestContext } from '@aviary/contracts';
import { ToggleRun } from '@aviary/features';
import { FlagSetStore, toggleRuns } from '@aviary/flags-engine';
import { NatsRpc } from '@aviary/messaging';
import { counter, createLogger } from '@aviary/telemetry';
import { Inject, Injectable } from '@nestjs/common';
import { PREPROCESSOR_CONFIG, PreprocessorConfig } from './config';

const log = createLogger('preprocessor');

const evaluations = counter(
  'aviary_feature_toggle_evaluations_total',
  'Feature toggle evaluations (one per toggle and context run), by result and the reason for it',
  ['model', 'version', 'flag', 'enabled', 'reason'],
);

@Injectable()
export class FeatureToggles {
  private readonly store = new FlagSetStore(log);
  /** Flags already reported as failing open, so a missing flag is logged once, not on every request. */
  private readonly reported = new Set<string>();

  constructor(
    private readonly rpc: NatsRpc,
    @Inject(PREPROCESSOR_CONFIG) private readonly config: PreprocessorConfig,
  ) {}

  start(): Promise<void> {
    return this.store.follow(this.rpc.connection);
  }

  stop(): void {
    this.store.stop();
  }

  /** Which toggles are off for each context run of a request; without contexts, all records share the empty one. */
  runs(request: {
    model: string;
    version: string;
    toggles: readonly string[];
    records: number;
    contexts?: readonly { context: RequestContext; records: number }[];
  }): ToggleRun[] {
    const { model, version } = request;
    const flagSet = this.config.AVIARY_MODEL_FLAG_SET;
    return toggleRuns({
      ...request,
      lookup: this.store.lookup(flagSet),
      observe: ({ flag, enabled, reason, failedOpen }) => {
        evaluations.inc({ model, version, flag, enabled: String(enabled), reason });
        if (failedOpen) this.reportFailOpen({ model, version, flag, flagSet, reason });
      },
    });
  }

  private reportFailOpen(fields: { model: string; version: string; flag: string; flagSet: string; reason: string }) {
    const key = `${fields.model}/${fields.version}/${fields.flag}/${fields.reason}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    log.warn(fields, 'feature toggle could not be evaluated; the feature stays on');
  }
}
