// Mapping between ONNX Runtime element types and Open Inference Protocol datatypes.
import { Datatype } from '@aviary/contracts';

const ORT_TO_OIP: Record<string, Datatype> = {
  bool: 'BOOL',
  uint8: 'UINT8',
  uint16: 'UINT16',
  uint32: 'UINT32',
  uint64: 'UINT64',
  int8: 'INT8',
  int16: 'INT16',
  int32: 'INT32',
  int64: 'INT64',
  float16: 'FP16',
  float32: 'FP32',
  float64: 'FP64',
  string: 'BYTES',
};

const OIP_TO_ORT = Object.fromEntries(Object.entries(ORT_TO_OIP).map(([ort, oip]) => [oip, ort])) as Record<Datatype, string>;

/** The OIP datatype for an ORT element type, or undefined when OIP has none (e.g. bfloat16, complex). */
export function datatypeFromOrt(type: string): Datatype | undefined {
  return ORT_TO_OIP[type];
}

export function ortTypeFor(datatype: Datatype): string {
  return OIP_TO_ORT[datatype];
}
