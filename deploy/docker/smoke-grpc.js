#!/usr/bin/env node
// gRPC half of the compose smoke test: one KServe V2 ModelInfer through the gateway's published gRPC port.
// Runs on the host with the repo's node_modules (@grpc/grpc-js, @grpc/proto-loader) and the repo's proto.
//
//   node deploy/docker/smoke-grpc.js [--target 127.0.0.1:8081] [--model flight-delay] [--version ""]
//
// 1. ServerReady; 2. ModelMetadata to learn the first input's name, datatype and shape (-1 dimensions become
// 1); 3. ModelInfer with zeros of that shape in raw_input_contents; 4. check an output came back.
// Prints PASS/FAIL lines; exits 0 only if every step passed.
'use strict';
const path = require('path');
const fs = require('fs');

const root = path.resolve(__dirname, '..', '..');
const args = { target: '127.0.0.1:8081', model: 'flight-delay', version: '', timeoutMs: 10000 };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  const v = process.argv[i + 1];
  if (a === '--target') args.target = v;
  else if (a === '--model') args.model = v;
  else if (a === '--version') args.version = v;
  else if (a === '--timeout-ms') args.timeoutMs = Number(v);
  else {
    console.error(`FAIL grpc: unknown argument ${a}`);
    process.exit(2);
  }
  i++;
}

let grpc;
let protoLoader;
try {
  grpc = require(require.resolve('@grpc/grpc-js', { paths: [root] }));
  protoLoader = require(require.resolve('@grpc/proto-loader', { paths: [root] }));
} catch (e) {
  console.error(
    `FAIL grpc: cannot load @grpc/grpc-js / @grpc/proto-loader from ${root}/node_modules (run npm ci): ${e.message}`,
  );
  process.exit(1);
}

const protoFile = path.join(root, 'libs', 'contracts', 'proto', 'grpc_predict_v2.proto');
if (!fs.existsSync(protoFile)) {
  console.error(`FAIL grpc: ${protoFile} not found`);
  process.exit(1);
}
const definition = protoLoader.loadSync(protoFile, {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});
const pkg = grpc.loadPackageDefinition(definition);
const Service = pkg.inference && pkg.inference.GRPCInferenceService;
if (!Service) {
  console.error('FAIL grpc: inference.GRPCInferenceService not in the proto');
  process.exit(1);
}
const client = new Service(args.target, grpc.credentials.createInsecure());

function call(method, request) {
  return new Promise((resolve, reject) => {
    const deadline = new Date(Date.now() + args.timeoutMs);
    client[method](request, { deadline }, (err, response) => {
      if (err) reject(new Error(`${method}: ${grpc.status[err.code] || err.code} ${err.details || err.message}`));
      else resolve(response);
    });
  });
}

// Bytes per element for raw_input_contents (little-endian); BYTES is not sent as zeros here.
const SIZES = {
  BOOL: 1,
  UINT8: 1,
  INT8: 1,
  UINT16: 2,
  INT16: 2,
  FP16: 2,
  BF16: 2,
  UINT32: 4,
  INT32: 4,
  FP32: 4,
  UINT64: 8,
  INT64: 8,
  FP64: 8,
};

async function main() {
  const ready = await call('ServerReady', {});
  if (!ready.ready) throw new Error('ServerReady: ready=false');
  console.log(`PASS grpc ServerReady on ${args.target}`);

  const meta = await call('ModelMetadata', { name: args.model, version: args.version });
  if (!meta.inputs || meta.inputs.length === 0) throw new Error(`ModelMetadata: ${args.model} has no inputs`);
  const inputs = meta.inputs.map((t) => {
    const shape = t.shape.map((d) => (Number(d) < 0 ? 1 : Number(d)));
    const size = SIZES[t.datatype];
    if (!size) throw new Error(`input ${t.name}: datatype ${t.datatype} not supported by this smoke test`);
    const count = shape.reduce((a, b) => a * b, 1);
    return { name: t.name, datatype: t.datatype, shape, bytes: Buffer.alloc(count * size) };
  });
  const described = inputs.map((t) => `${t.name} ${t.datatype} [${t.shape.join(',')}]`).join(', ');
  console.log(`PASS grpc ModelMetadata ${meta.name} versions [${(meta.versions || []).join(',')}]: ${described}`);

  const response = await call('ModelInfer', {
    model_name: args.model,
    model_version: args.version,
    id: 'compose-smoke',
    inputs: inputs.map(({ name, datatype, shape }) => ({ name, datatype, shape })),
    raw_input_contents: inputs.map((t) => t.bytes),
  });
  const outputs = response.outputs || [];
  if (outputs.length === 0) throw new Error('ModelInfer: no outputs in the response');
  const summary = outputs
    .map((o, i) => {
      const raw = response.raw_output_contents && response.raw_output_contents[i];
      const typed = o.contents && Object.entries(o.contents).find(([, v]) => Array.isArray(v) && v.length > 0);
      const amount = raw ? `${raw.length} raw bytes` : typed ? `${typed[1].length} ${typed[0]}` : 'no data';
      return `${o.name} ${o.datatype} [${o.shape.join(',')}] (${amount})`;
    })
    .join(', ');
  const hasData = outputs.some((o, i) => {
    const raw = response.raw_output_contents && response.raw_output_contents[i];
    const typed = o.contents && Object.values(o.contents).some((v) => Array.isArray(v) && v.length > 0);
    return (raw && raw.length > 0) || typed;
  });
  if (!hasData) throw new Error(`ModelInfer: outputs carry no data: ${summary}`);
  console.log(`PASS grpc ModelInfer ${response.model_name} ${response.model_version}: ${summary}`);
}

main()
  .then(() => {
    client.close();
    process.exit(0);
  })
  .catch((e) => {
    console.error(`FAIL grpc ${e.message}`);
    client.close();
    process.exit(1);
  });
