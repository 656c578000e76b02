// An OpenFeature server provider that evaluates in-process from a live copy of one flag set in KV aviary_flags, as
// flagd's in-process mode does: no network hop per evaluation, the last good set answering while NATS is away.
import { connectNats } from '@aviary/messaging';
import { createLogger } from '@aviary/telemetry';
import {
  ErrorCode,
  EvaluationContext,
  FlagValue,
  GeneralError,
  JsonValue,
  OpenFeatureEventEmitter,
  ParseError,
  Provider,
  ProviderEvents,
  ResolutionDetails,
} from '@openfeature/server-sdk';
import { NatsConnection } from 'nats';
import { FlagType } from './flag-set';
import { resolveFlag } from './flag-resolution';
import { FlagSetLog, FlagSetStore, FlagSetStoreEvent } from './flag-set-store';

/**
 * Where the flag sets come from: a connection the caller owns, a NATS servers URL (the provider connects, and
 * closes on `onClose`), or a store another part of the process already follows (no second watch).
 */
export type AviaryFlagSource = { connection: NatsConnection } | { servers: string } | { store: FlagSetStore };

export type AviaryFlagProviderOptions = AviaryFlagSource & {
  /** The flag set to evaluate; `default` when not given. */
  flagSet?: string;
  logger?: FlagSetLog;
};

/** What the provider last told the SDK; the SDK keeps the status, this only decides which event a change is. */
type Announced = 'NOT_READY' | 'READY' | 'STALE' | 'ERROR';

export class AviaryFlagProvider implements Provider {
  readonly metadata = { name: 'aviary-in-process' } as const;
  readonly runsOn = 'server';
  readonly events = new OpenFeatureEventEmitter();
  readonly flagSet: string;
  private readonly log: FlagSetLog;
  private readonly store: FlagSetStore;
  private ownedConnection?: NatsConnection;
  private unsubscribe?: () => void;
  private announced: Announced = 'NOT_READY';

  constructor(private readonly options: AviaryFlagProviderOptions) {
    this.flagSet = options.flagSet ?? 'default';
    this.log = options.logger ?? createLogger('flag-provider');
    this.store = 'store' in options ? options.store : new FlagSetStore(this.log);
  }

  /**
   * Resolves once the set has been read. A set that does not exist yet is READY, answering FLAG_NOT_FOUND (the
   * caller's defaults) until it appears; one that exists but never had a valid revision rejects (ERROR) until one
   * loads; a bucket that cannot be read rejects with the reason.
   */
  async initialize(): Promise<void> {
    try {
      if ('store' in this.options) await this.store.whenRead();
      else await this.store.follow(await this.connection());
    } catch (e) {
      await this.ownedConnection?.close();
      this.ownedConnection = undefined;
      throw new GeneralError(`cannot read flag set "${this.flagSet}" from NATS: ${(e as Error).message}`);
    }
    this.unsubscribe = this.store.subscribe((event) => this.onStoreEvent(event));
    const lookup = this.store.lookup(this.flagSet);
    if ('broken' in lookup) {
      this.announced = 'ERROR';
      throw new ParseError(lookup.broken);
    }
    if ('missing' in lookup)
      this.log.info({ flagSet: this.flagSet }, 'flag set does not exist yet; answering FLAG_NOT_FOUND until it does');
    this.announced = 'READY';
  }

  async onClose(): Promise<void> {
    this.unsubscribe?.();
    if (!('store' in this.options)) this.store.stop();
    await this.ownedConnection?.close();
  }

  resolveBooleanEvaluation(key: string, defaultValue: boolean, context: EvaluationContext) {
    return this.resolve('boolean', key, defaultValue, context);
  }

  resolveStringEvaluation(key: string, defaultValue: string, context: EvaluationContext) {
    return this.resolve('string', key, defaultValue, context);
  }

  resolveNumberEvaluation(key: string, defaultValue: number, context: EvaluationContext) {
    return this.resolve('number', key, defaultValue, context);
  }

  resolveObjectEvaluation<T extends JsonValue>(key: string, defaultValue: T, context: EvaluationContext) {
    return this.resolve('object', key, defaultValue, context);
  }

  private async resolve<T extends FlagValue>(
    type: FlagType,
    key: string,
    defaultValue: T,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<T>> {
    return resolveFlag({ lookup: this.store.lookup(this.flagSet), key, context, type, defaultValue });
  }

  private async connection(): Promise<NatsConnection> {
    if ('connection' in this.options) return this.options.connection;
    const { servers } = this.options as { servers: string };
    this.ownedConnection = await connectNats(servers, `aviary-flag-provider-${this.flagSet}`);
    return this.ownedConnection;
  }

  private onStoreEvent(event: FlagSetStoreEvent): void {
    switch (event.type) {
      case 'changed':
        if (event.flagSet !== this.flagSet) return;
        if (this.announced === 'ERROR') this.announce('READY');
        if (event.flagsChanged.length > 0)
          this.events.emit(ProviderEvents.ConfigurationChanged, {
            flagsChanged: event.flagsChanged,
            message: `flag set "${this.flagSet}" revision ${event.revision}`,
          });
        return;
      case 'rejected': {
        // The store has logged it; only a set with no good revision to fall back on is an error.
        const lookup = event.flagSet === this.flagSet ? this.store.lookup(this.flagSet) : undefined;
        if (lookup && 'broken' in lookup && this.announced !== 'ERROR') this.announce('ERROR', lookup.broken);
        return;
      }
      case 'stale':
        if (this.announced === 'READY') this.announce('STALE', event.reason);
        return;
      case 'current':
        if (this.announced === 'STALE') this.announce('READY');
        return;
    }
  }

  private announce(state: Exclude<Announced, 'NOT_READY'>, message?: string): void {
    this.announced = state;
    const event = { READY: ProviderEvents.Ready, STALE: ProviderEvents.Stale, ERROR: ProviderEvents.Error }[state];
    this.events.emit(event, {
      message,
      ...(state === 'ERROR' && { errorCode: ErrorCode.PARSE_ERROR }),
    });
  }
}
