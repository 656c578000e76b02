// Proves a graph rewrite harmless by running the original and the rewritten model in ONNX Runtime on generated rows.
import { allocate, Datatype, elementCount, invalid, Tensor, TensorData, TensorMetadata } from '@aviary/contracts';
import { ModelSession } from '@aviary/inference-engine';
import { GraphRewrite } from './zipmap-rewrite';
import { mulberry32 } from '@aviary/evaluation';

export interface VerificationOptions {
  /** Rows in the generated batch. */
  rows?: number;
  /** Seed of the generator, so a failure can be replayed. */
  seed?: number;
}

/** Strings a categorical input is likely to know (sex, port of embarkation, class), and some it will not. */
export const SAMPLE_STRINGS = ['a', 'b', 'male', 'female', 'S', 'C', 'Q', '1', '2', '3'] as const;

const PROBABILITY_SUM_TOLERANCE = 1e-4;

/**
 * Runs both models on the same generated inputs: every output the original can return must be identical in the
 * rewritten model, and each rewritten output must hold one probability distribution per row.
 * Throws INVALID_ARGUMENT naming the first difference.
 */
export async function verifyRewrite(
  original: Uint8Array,
  rewrite: GraphRewrite,
  options: VerificationOptions = {},
): Promise<void> {
  if (rewrite.rewrites.length === 0) return;
  const before = await ModelSession.load(original);
  try {
    const after = await ModelSession.load(rewrite.bytes);
    try {
      const inputs = generateInputs(before.inputs, options);
      const expected = await before.run(inputs).catch((e: Error) => {
        throw invalid(`the model fails on generated inputs, so its rewrite cannot be checked: ${e.message}`);
      });
      const actual = await after.run(inputs);
      for (const want of expected) {
        const got = actual.find((t) => t.name === want.name);
        if (!got) throw invalid(`the rewritten model lost output "${want.name}"`);
        const row = firstDifference(want, got);
        if (row !== undefined) {
          throw invalid(`the rewritten model disagrees with the original on output "${want.name}" (row ${row})`);
        }
      }
      for (const { output, classLabels } of rewrite.rewrites) {
        const got = actual.find((t) => t.name === output);
        if (!got) throw invalid(`the rewritten model does not return output "${output}"`);
        checkDistributions(got, classLabels.length);
      }
    } finally {
      await after.release();
    }
  } finally {
    await before.release();
  }
}

/** A deterministic batch for the given inputs: the first dynamic dimension is the batch, other dynamic ones are 1. */
export function generateInputs(inputs: readonly TensorMetadata[], options: VerificationOptions = {}): Tensor[] {
  const random = mulberry32(options.seed ?? 42);
  const rows = options.rows ?? 16;
  return inputs.map((m) => {
    const shape = m.shape.map((d, i) => (d >= 0 ? d : i === 0 ? rows : 1));
    return { name: m.name, datatype: m.datatype, shape, data: sample(m.datatype, elementCount(shape), random) };
  });
}

function sample(datatype: Datatype, count: number, random: () => number): TensorData {
  if (datatype === 'BYTES')
    return Array.from({ length: count }, () => SAMPLE_STRINGS[Math.floor(random() * SAMPLE_STRINGS.length)]);
  const data = allocate(datatype, count);
  for (let i = 0; i < count; i++) {
    switch (datatype) {
      case 'FP32':
      case 'FP64':
        data[i] = random() * 10 - 2;
        break;
      case 'FP16':
        data[i] = 0x3c00; // 1.0: random half bits could be NaN
        break;
      case 'INT64':
      case 'UINT64':
        data[i] = BigInt(Math.floor(random() * 4));
        break;
      case 'BOOL':
        data[i] = random() < 0.5 ? 0 : 1;
        break;
      default:
        data[i] = Math.floor(random() * 4);
    }
  }
  return data;
}

function firstDifference(want: Tensor, got: Tensor): number | undefined {
  if (want.datatype !== got.datatype || want.shape.join() !== got.shape.join()) return 0;
  const width = Math.max(1, elementCount(want.shape.slice(1)));
  for (let i = 0; i < want.data.length; i++) {
    const a = want.data[i];
    const b = got.data[i];
    if (a !== b && !(Number.isNaN(a) && Number.isNaN(b))) return Math.floor(i / width);
  }
  return undefined;
}

function checkDistributions(tensor: Tensor, classes: number): void {
  if (tensor.datatype !== 'FP32' || tensor.shape.length !== 2 || tensor.shape[1] !== classes) {
    throw invalid(
      `rewritten output "${tensor.name}" is ${tensor.datatype} [${tensor.shape.join(',')}], expected FP32 [N,${classes}]`,
    );
  }
  const data = tensor.data as Float32Array;
  for (let row = 0; row < tensor.shape[0]; row++) {
    const values = data.subarray(row * classes, (row + 1) * classes);
    const sum = values.reduce((s, v) => s + v, 0);
    if (values.some((v) => !(v >= 0 && v <= 1)) || Math.abs(sum - 1) > PROBABILITY_SUM_TOLERANCE) {
      throw invalid(
        `rewritten output "${tensor.name}" is not a probability distribution in row ${row}: [${[...values].join(', ')}] sums to ${sum}`,
      );
    }
  }
}
