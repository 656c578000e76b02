// The KServe V2 gRPC definition (libs/contracts/proto) loaded at run time, with the options its message types in
// @aviary/contracts assume. The build compiles only .ts into dist/, so the .proto is found by walking up to the
// workspace root.
import { PROTO_FILE, PROTO_LOADER_OPTIONS } from '@aviary/contracts';
import { loadSync } from '@grpc/proto-loader';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Finds the .proto above `from` (dist/apps/gateway/src/grpc or apps/gateway/src/grpc, or /app in the image). */
export function protoPath(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, PROTO_FILE);
    if (existsSync(candidate)) return candidate;
    if (dir === dirname(dir)) throw new Error(`${PROTO_FILE} not found above ${from}`);
  }
}

export function loadInferenceProto(file = protoPath()) {
  return loadSync(file, PROTO_LOADER_OPTIONS);
}
