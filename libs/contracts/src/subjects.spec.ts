import { eventSubjects, versionKey, modelNameSchema, modelObjectName, modelVersionSchema, subjects } from './subjects';

describe('subjects', () => {
  it('puts model and version in the last two tokens of infer and predict subjects', () => {
    expect(subjects.infer('flight-delay', '2')).toBe('aviary.v1.infer.flight-delay.2');
    expect(subjects.predict('flight-delay', '2')).toBe('aviary.v1.predict.flight-delay.2');
    expect(subjects.modelAndVersion(subjects.infer('penguin_species', 'v1-rc'))).toEqual(['penguin_species', 'v1-rc']);
    expect(subjects.modelAndVersion(subjects.predict('a', 'b'))).toEqual(['a', 'b']);
  });

  it('names a ping subject per service', () => {
    expect(subjects.ping('gateway')).toBe('aviary.v1.ping.gateway');
  });

  it('puts each flag set’s events on its own subject under the events stream’s wildcard', () => {
    expect(eventSubjects.flags('default')).toBe('aviary.v1.events.flags.default');
    expect(eventSubjects.all).toBe('aviary.v1.events.>');
  });

  it('keys manifests and model objects by name and version', () => {
    expect(versionKey('flight-delay', '1')).toBe('flight-delay.1');
    expect(modelObjectName('flight-delay', '1')).toBe('flight-delay/1/model.onnx');
  });
});

describe('model names and versions', () => {
  it.each(['flight-delay', 'penguin_species', '0model', 'a', 'a'.repeat(63)])('accepts the model name "%s"', (name) => {
    expect(modelNameSchema.safeParse(name).success).toBe(true);
  });

  it.each(['a.b', 'A*', 'Flight', 'has space', '-leading', '_leading', '', 'a>', 'a'.repeat(64)])(
    'rejects the model name "%s", which cannot be a NATS subject token',
    (name) => {
      const result = modelNameSchema.safeParse(name);
      expect(result.success).toBe(false);
      expect(result.error?.issues[0].message).toBe(
        'model names are 1-63 characters of a-z, 0-9, "-" and "_", starting with a letter or digit',
      );
    },
  );

  it.each(['1', '2024-06-01', 'v2_rc', 'A'.repeat(32)])('accepts the version "%s"', (version) => {
    expect(modelVersionSchema.safeParse(version).success).toBe(true);
  });

  it.each(['1.0', '*', '>', '', '-1', 'v 2', 'A'.repeat(33)])('rejects the version "%s"', (version) => {
    expect(modelVersionSchema.safeParse(version).success).toBe(false);
  });
});
