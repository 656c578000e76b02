// The serving pointer of each model (KV aviary_serving, key = model name): the version that takes the model's
// unversioned traffic. The first version pushed while a model has none takes it (claim); after that only an explicit
// command or the rollout controller moves it, and never to a version its quality gate rejected.
import {
  AviaryError,
  buckets,
  rejectionReason,
  parseOrThrow,
  ServingPointer,
  servingPointerSchema,
} from '@aviary/contracts';
import { BucketWatch, followBucket, openKv } from '@aviary/messaging/core';
import { KV, KvEntry } from 'nats';
import { ModelRegistry } from './model-registry';

const fromUtf8 = new TextDecoder();

export class ServingPointers {
  constructor(
    private readonly kv: KV,
    private readonly registry: ModelRegistry,
  ) {}

  /** On the registry's connection. */
  static async open(registry: ModelRegistry): Promise<ServingPointers> {
    return new ServingPointers(await openKv(registry.connection.jetstream(), buckets.serving), registry);
  }

  /** Points the model at the version, whatever served before. */
  async serve(model: string, version: string, by: string): Promise<ServingPointer> {
    const pointer = await this.pointerTo(model, version, by);
    await this.kv.put(model, JSON.stringify(pointer));
    return pointer;
  }

  /**
   * Points the model at the version only if no version serves it yet: a KV create, so of two versions claiming at
   * once exactly one wins. Answers the pointer that serves afterwards, and whether this claim set it.
   */
  async claim(model: string, version: string, by: string): Promise<{ pointer: ServingPointer; claimed: boolean }> {
    const pointer = await this.pointerTo(model, version, by);
    try {
      await this.kv.create(model, JSON.stringify(pointer));
      return { pointer, claimed: true };
    } catch (e) {
      // The create fails when a pointer exists; any other failure leaves none behind and is rethrown.
      const current = await this.get(model);
      if (!current) throw e;
      return { pointer: current, claimed: false };
    }
  }

  private async pointerTo(model: string, version: string, by: string): Promise<ServingPointer> {
    const manifest = await this.registry.get(model, version);
    const rejected = rejectionReason(manifest);
    if (rejected)
      throw new AviaryError(
        `${model} version ${version} was rejected by its quality gate (${rejected}); it cannot serve`,
        'FAILED_PRECONDITION',
      );
    return { version, since: new Date().toISOString(), by };
  }

  async get(model: string): Promise<ServingPointer | undefined> {
    const entry = await this.kv.get(model);
    return entry && entry.operation === 'PUT' ? decode(entry) : undefined;
  }

  /** Every readable pointer; an unreadable one is reported to the registry and skipped. */
  async all(): Promise<Map<string, ServingPointer>> {
    // Keys first, values after, as ModelRegistry.list does: fetching inside the keys loop returned only some keys.
    const keys: string[] = [];
    for await (const key of await this.kv.keys()) keys.push(key);
    const pointers = new Map<string, ServingPointer>();
    for (const key of keys) {
      try {
        const pointer = await this.get(key);
        if (pointer) pointers.set(key, pointer);
      } catch (e) {
        this.registry.onUnreadable(`ignoring serving pointer ${key}: ${(e as Error).message}`);
      }
    }
    return pointers;
  }

  /** Every pointer now and every move after (all of them again after a reconnect); `undefined` when removed. */
  async watch(onChange: (model: string, pointer: ServingPointer | undefined) => void): Promise<BucketWatch> {
    return followBucket(
      this.kv,
      this.registry.connection,
      (entry) => {
        let pointer: ServingPointer | undefined;
        try {
          pointer = entry.operation === 'PUT' ? decode(entry) : undefined;
        } catch (e) {
          // The last good pointer keeps serving.
          this.registry.onUnreadable(`ignoring serving pointer ${entry.key}: ${(e as Error).message}`);
          return;
        }
        onChange(entry.key, pointer);
      },
      (e) => this.registry.onUnreadable(`serving pointer watch ended: ${e.message}`),
    );
  }
}

function decode(entry: KvEntry): ServingPointer {
  return parseOrThrow(servingPointerSchema, JSON.parse(fromUtf8.decode(entry.value)), `serving pointer ${entry.key}`);
}
