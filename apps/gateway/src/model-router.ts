// The version a predict or infer request goes to, decided in-process: an explicit version as asked; otherwise the
// model's kill switch and version flag from the operators' model flag set, when they pick something; otherwise the
// rollout controller's version flag (ROLLOUT_FLAG_SET); otherwise the serving pointer. Header match rules see only
// the headers these two sets name, found when either changes.
import { randomUUID } from 'node:crypto';
import { AviaryError, ModelManifest, RequestContext, ROLLOUT_FLAG_SET } from '@aviary/contracts';
import {
  FlagResolution,
  HeaderLookup,
  headersNamedBy,
  routeModelThroughLayers,
  withHeaders,
} from '@aviary/flags-engine';
import { counter } from '@aviary/telemetry';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { GATEWAY_CONFIG, GatewayConfig } from './config';
import { countFlagEvaluation } from './flag-metrics';
import { GatewayFlagSets } from './gateway-flag-sets';
import { ModelCatalog } from './model-catalog';

const versionFlagFallbacks = counter(
  'aviary_version_flag_fallbacks_total',
  'Requests whose version flag picked a version no replica has warm, served by the serving version instead',
  ['model', 'version'],
);

export interface RoutedVersion {
  manifest: ModelManifest;
  /** The version flag's variant, when the flag picked the version. */
  variant?: string;
}

@Injectable()
export class ModelRouter implements OnApplicationShutdown {
  private readonly flagSet: string;
  private readonly countEvaluation: (resolution: FlagResolution, layer: 'operator' | 'rollout') => void;
  /** The headers the routing flags read, lower-case. */
  private headerNames: readonly string[] = [];
  private readonly unsubscribe: () => void;

  constructor(
    private readonly catalog: ModelCatalog,
    private readonly flagSets: GatewayFlagSets,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    const flagSet = (this.flagSet = config.AVIARY_MODEL_FLAG_SET);
    this.countEvaluation = ({ flag, variant, reason }, layer) =>
      countFlagEvaluation(layer === 'operator' ? flagSet : ROLLOUT_FLAG_SET, flag, variant, reason);
    this.unsubscribe = flagSets.subscribe((event) => {
      if (event.type === 'changed' && (event.flagSet === flagSet || event.flagSet === ROLLOUT_FLAG_SET))
        this.headerNames = [
          ...new Set([
            ...headersNamedBy(flagSets.get(flagSet)?.set),
            ...headersNamedBy(flagSets.get(ROLLOUT_FLAG_SET)?.set),
          ]),
        ];
    });
  }

  onApplicationShutdown(): void {
    this.unsubscribe();
  }

  /** The evaluation context with the request headers the routing flags name (the context itself when none do). */
  contextOf(context: RequestContext, header: HeaderLookup): RequestContext {
    return withHeaders(context, this.headerNames, header);
  }

  /** An unknown model or explicit version is NOT_FOUND: what a door checks before it decodes the body. */
  check(model: string, version?: string): void {
    if (version !== undefined) this.catalog.resolve(model, version);
    else if (!this.catalog.has(model)) this.catalog.resolve(model);
  }

  route(model: string, version: string | undefined, context: RequestContext): RoutedVersion {
    if (version !== undefined) return { manifest: this.catalog.resolve(model, version) };
    const route = routeModelThroughLayers({
      operator: this.flagSets.get(this.flagSet)?.set,
      rollout: this.flagSets.get(ROLLOUT_FLAG_SET)?.set,
      model,
      context,
      keyless: randomUUID,
      observe: this.countEvaluation,
    });
    switch (route.kind) {
      case 'serving':
        return { manifest: this.catalog.resolve(model) };
      case 'version':
        if (this.catalog.isRoutable(model, route.version))
          return { manifest: this.catalog.manifest(model, route.version), variant: route.variant };
        // A variant's version went cold (its replicas left) or was deleted: serve the stable version over failing.
        versionFlagFallbacks.inc({ model, version: route.version });
        return { manifest: this.catalog.resolve(model) };
      case 'off':
        if (route.fallbackVersion !== undefined)
          return { manifest: this.catalog.resolve(model, route.fallbackVersion) };
        throw new AviaryError(`model "${model}" is switched off (flag ${route.flag} is off)`, 'UNAVAILABLE');
    }
  }
}
