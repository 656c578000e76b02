import { AviaryError } from './errors';
import { predictRecordsSchema } from './predict';
import { parseOrThrow } from './validation';

const parse = (body: unknown) => parseOrThrow(predictRecordsSchema, body, 'predict request');

describe('predictRecordsSchema', () => {
  it('takes records with or without the context runs they came in', () => {
    expect(parse({ records: [{}, {}] })).toEqual({ records: [{}, {}] });
    const runs = [
      { context: { targetingKey: 'beta' }, records: 1 },
      { context: {}, records: 1 },
    ];
    expect(parse({ records: [{}, {}], contexts: runs }).contexts).toEqual(runs);
  });

  it('refuses context runs that do not cover the records exactly', () => {
    const error = (() => {
      try {
        parse({ records: [{}, {}], contexts: [{ context: {}, records: 3 }] });
      } catch (e) {
        return e as AviaryError;
      }
    })();
    expect(error).toBeInstanceOf(AviaryError);
    expect(error?.code).toBe('INVALID_ARGUMENT');
    expect(error?.message).toBe(
      'predict request: contexts: must cover every record in order: they cover 3, there are 2',
    );
  });
});
