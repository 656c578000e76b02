// ONNX Runtime element types <-> Open Inference Protocol datatypes, read from the table in @aviary/contracts.
import { DATATYPE_FACTS, DATATYPES, Datatype } from '@aviary/contracts';

const ORT_TO_OIP = new Map<string, Datatype>(DATATYPES.map((datatype) => [DATATYPE_FACTS[datatype].ort, datatype]));

/** The OIP datatype for an ORT element type, or undefined when OIP has none (e.g. bfloat16, complex). */
export function datatypeFromOrt(type: string): Datatype | undefined {
  return ORT_TO_OIP.get(type);
}

export function ortTypeFor(datatype: Datatype): string {
  return DATATYPE_FACTS[datatype].ort;
}
