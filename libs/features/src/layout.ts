// Column layout of the output tensor: which columns each fitted transform writes, and their names, in one place.
import { DATETIME_PART_INFO } from './datetime';
import type { InputField } from './schema-parts';
import type { CategoricalTransform, TransformSpec } from './spec';

export const OTHER_LABEL = '<other>';
export const MISSING_LABEL = '<missing>';

/** A categorical transform has a "missing" slot only when its input may be missing and it does not impute the mode. */
export const hasMissingSlot = (t: CategoricalTransform, input: InputField) =>
  !input.required && t.missing === 'category';

/** Names of the columns one transform writes, in order; their count is the transform's width. */
export function transformFeatureNames(t: TransformSpec, input: InputField): string[] {
  switch (t.kind) {
    case 'numeric':
      return [t.log1p ? `log1p(${t.input})` : t.input];
    case 'bool':
      return [t.input];
    case 'categorical': {
      const slots = [...t.categories, OTHER_LABEL, ...(hasMissingSlot(t, input) ? [MISSING_LABEL] : [])];
      return slots.map((slot) => `${t.input}=${slot}`);
    }
    case 'datetime':
      return t.parts.flatMap(({ part, encoding }) =>
        encoding === 'cyclical'
          ? [`${t.input}.${part}_sin`, `${t.input}.${part}_cos`]
          : DATETIME_PART_INFO[part].labels.map((label) => `${t.input}.${part}=${label}`),
      );
  }
}

/** Every column of the output tensor, transform by transform; assumes each transform reads a declared input. */
export function featureNamesOf(inputs: readonly InputField[], transforms: readonly TransformSpec[]): string[] {
  const byName = new Map(inputs.map((input) => [input.name, input]));
  return transforms.flatMap((t) => transformFeatureNames(t, byName.get(t.input) as InputField));
}
