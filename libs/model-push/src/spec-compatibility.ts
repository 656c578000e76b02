// A feature spec is only bundled with a model whose inputs are exactly the tensors the spec produces.
import { formatTensorList, invalid, TensorMetadata } from '@aviary/contracts';
import { FeatureSpec, featureTensorMetadata } from '@aviary/features';

const compatible = (a: TensorMetadata, b: TensorMetadata) =>
  a.datatype === b.datatype &&
  a.shape.length === b.shape.length &&
  a.shape.every((d, i) => d === -1 || b.shape[i] === -1 || d === b.shape[i]);

export function checkSpecFitsModel(spec: FeatureSpec, modelInputs: readonly TensorMetadata[]): void {
  const produced = featureTensorMetadata(spec);
  const fits =
    produced.length === modelInputs.length &&
    produced.every((p) => {
      const input = modelInputs.find((i) => i.name === p.name);
      return input !== undefined && compatible(p, input);
    });
  if (!fits)
    throw invalid(
      `the feature spec produces ${formatTensorList(produced)} but the model takes ${formatTensorList(modelInputs)}`,
    );
}
