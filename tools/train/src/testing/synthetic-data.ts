// Small seeded classification problems for the trainer's specs.
import type { TrainingSet } from '../linear-classifier';
import { mulberry32 } from '@aviary/evaluation';

/** Two features; the class is the quadrant-ish region a point falls in, with label noise. */
export function syntheticSet(rows: number, classes: number, seed: number): TrainingSet {
  const random = mulberry32(seed);
  const features = new Float32Array(rows * 2);
  const labels = new Int32Array(rows);
  for (let row = 0; row < rows; row++) {
    const [a, b] = [random() * 4 - 2, random() * 4 - 2];
    features.set([a, b], row * 2);
    const clean = classes === 2 ? Number(a + b > 0) : a > 0 ? 0 : b > 0 ? 1 : 2;
    labels[row] = random() < 0.1 ? Math.floor(random() * classes) : clean;
  }
  return { features, labels, inputs: 2, classes };
}
