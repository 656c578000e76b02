// Where the edge agent's models and flags come from: a bundle directory (offline, fixed) or the local leaf
// nats-server's mirrored buckets (live). The agent only reads through this seam.
import { ModelManifest } from '@aviary/contracts';
import { FlagSetStore } from '@aviary/flags-engine/core';
import type { TelemetryPublish } from '@aviary/site-telemetry';

export interface ModelSource {
  manifest(model: string, version: string): ModelManifest | undefined;
  /** Every version of a model the source holds now. */
  versionsOf(model: string): ModelManifest[];
  /** The version each model's serving pointer names. */
  serving(): ReadonlyMap<string, string>;
  /** The ONNX bytes of a version, checked against its manifest's sha256. */
  onnx(manifest: ModelManifest): Promise<Uint8Array>;
  readonly flagSets: FlagSetStore;
  /** Called after any manifest or serving pointer changed. */
  onChange(listener: () => void): void;
  /** Where the site's telemetry goes (its NATS, with JetStream): prediction logs, summaries, switch events; none offline. */
  readonly telemetry?: TelemetryPublish;
  close(): Promise<void>;
}
