// The demo flight-delay version (spec and ONNX file from models/), for tests that score real rows in-process.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadVersionForBatch } from '../version-loader';

export const FLIGHT_DELAY_DIR = join(__dirname, '../../../../models/flight-delay/1');

export const flightDelayScorer = () =>
  loadVersionForBatch({
    onnx: readFileSync(join(FLIGHT_DELAY_DIR, 'model.onnx')),
    featureSpec: JSON.parse(readFileSync(join(FLIGHT_DELAY_DIR, 'feature-spec.json'), 'utf8')),
    name: 'flight-delay version 1',
  });
