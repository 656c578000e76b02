import { AviaryError } from './errors';
import { predictRecordsSchema, predictVersionsReplySchema, predictVersionsSchema } from './predict';
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

describe('predictVersionsSchema', () => {
  const parseVersions = (body: unknown) => parseOrThrow(predictVersionsSchema, body, 'predict request');

  it("takes each version's records, checked as a one-version request is", () => {
    const body = {
      versions: [
        { version: '1', request: { records: [{}] } },
        { version: '2', request: { records: [{}] } },
      ],
    };
    expect(parseVersions(body)).toEqual(body);
    expect(() =>
      parseVersions({
        versions: [{ version: '1', request: { records: [{}], contexts: [{ context: {}, records: 2 }] } }],
      }),
    ).toThrow(
      'predict request: versions.0.request.contexts: must cover every record in order: they cover 2, there are 1',
    );
  });

  it('refuses a message without versions', () => {
    expect(() => parseVersions({ versions: [] })).toThrow('at least one version is needed');
  });
});

describe('predictVersionsReplySchema', () => {
  it('takes predictions or an error per version, and refuses an error without a known code', () => {
    const reply = { versions: [{ predictions: [1] }, { error: { code: 'UNAVAILABLE', message: 'no replica' } }] };
    expect(parseOrThrow(predictVersionsReplySchema, reply, 'reply')).toEqual(reply);
    expect(() =>
      parseOrThrow(predictVersionsReplySchema, { versions: [{ error: { code: 'OOPS', message: '' } }] }, 'reply'),
    ).toThrow(AviaryError);
  });
});
