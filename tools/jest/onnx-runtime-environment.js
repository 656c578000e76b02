// Jest environment for every Aviary test: onnxruntime-node's native binding creates output typed arrays in Node's main
// realm, while Jest runs each test file in its own realm, so onnxruntime-common's `instanceof Float32Array` checks
// fail ("A float32 tensor's data must be type of function Float32Array()"). Sharing the main realm's constructors
// with the test realm makes both sides agree.
const { TestEnvironment } = require('jest-environment-node');

const SHARED_CONSTRUCTORS = [
  'ArrayBuffer',
  'SharedArrayBuffer',
  'DataView',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
];

class OnnxRuntimeEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED_CONSTRUCTORS) this.global[name] = globalThis[name];
  }
}

module.exports = OnnxRuntimeEnvironment;
