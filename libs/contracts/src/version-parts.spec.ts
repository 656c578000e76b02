import { AviaryError } from './errors';
import { encodeFrame } from './framing';
import { decodeVersionParts, encodeVersionParts, VersionPart } from './version-parts';

const rejection = (message: Uint8Array): AviaryError => {
  try {
    decodeVersionParts(message);
  } catch (e) {
    expect(e).toBeInstanceOf(AviaryError);
    return e as AviaryError;
  }
  throw new Error('expected decodeVersionParts to throw');
};

describe('encodeVersionParts / decodeVersionParts', () => {
  it('round-trips bodies, errors and absent versions in order, a version more than once', () => {
    const parts: VersionPart[] = [
      { version: '1', body: Uint8Array.from([1, 2, 3]) },
      { version: '2', error: { code: 'INTERNAL', message: 'graph failed' } },
      { version: '1', body: new Uint8Array(0) },
      { version: '9', absent: true },
      { version: '2', body: Uint8Array.from([4]) },
    ];
    expect(decodeVersionParts(encodeVersionParts(parts))).toEqual(parts);
  });

  it('encodes a body that is a view into a larger buffer without the bytes around it', () => {
    const body = Uint8Array.from([9, 1, 2, 9]).subarray(1, 3);
    expect(decodeVersionParts(encodeVersionParts([{ version: '1', body }]))).toEqual([
      { version: '1', body: Uint8Array.from([1, 2]) },
    ]);
  });

  it('rejects a part that runs past the message', () => {
    const encoded = encodeVersionParts([{ version: '1', body: new Uint8Array(8) }]);
    const error = rejection(encoded.subarray(0, encoded.length - 3));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe('version parts: the part of "1" runs past the message');
  });

  it('rejects bytes after the last part', () => {
    const encoded = encodeVersionParts([{ version: '1', body: new Uint8Array(2) }]);
    const longer = new Uint8Array(encoded.length + 2);
    longer.set(encoded);
    expect(rejection(longer).message).toBe('version parts has 2 bytes after its last part');
  });

  it.each<[string, unknown]>([
    ['no parts list', {}],
    ['a part without a version', { parts: [{ byteLength: 0 }] }],
    ['a part that is neither body, error nor absent', { parts: [{ version: '1' }] }],
    ['an unknown error code', { parts: [{ version: '1', error: { code: 'OOPS', message: '' } }] }],
  ])('rejects a header with %s', (_, header) => {
    const error = rejection(encodeFrame(header, []));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain('version parts header');
  });

  it('rejects a message too short to hold its header length', () => {
    expect(rejection(new Uint8Array(2)).message).toBe('version parts is shorter than its header length');
  });
});
