import { decodeBytesElements, encodeBytesElements } from './bytes-elements';
import { rejection } from '@aviary/testing';

describe('encodeBytesElements / decodeBytesElements', () => {
  it('writes each element as a 4-byte little-endian length and its UTF-8 bytes', () => {
    expect(Array.from(encodeBytesElements(['ab', '', 'é']))).toEqual([
      2, 0, 0, 0, 0x61, 0x62, 0, 0, 0, 0, 2, 0, 0, 0, 0xc3, 0xa9,
    ]);
  });

  it('reads back unicode, empty strings and an empty list unchanged', () => {
    const values = ['', 'plain', 'naïve café', '鳥 🦜', ''];
    expect(decodeBytesElements(encodeBytesElements(values), values.length, 'input "s"')).toEqual(values);
    expect(decodeBytesElements(encodeBytesElements([]), 0, 'input "s"')).toEqual([]);
  });

  it('reads from a view that does not start at the beginning of its buffer', () => {
    const encoded = encodeBytesElements(['xy', 'z']);
    const larger = new Uint8Array(encoded.length + 5);
    larger.set(encoded, 5);
    expect(decodeBytesElements(larger.subarray(5), 2, 'input "s"')).toEqual(['xy', 'z']);
  });

  it('rejects a length prefix cut short, naming the byte where it starts', () => {
    const bytes = Uint8Array.from([1, 0, 0, 0, 0x61, 7, 0]);
    const error = rejection(() => decodeBytesElements(bytes, 2, 'input "s"'));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe('input "s": truncated BYTES element length at byte 5');
  });

  it('rejects an element that claims more bytes than remain', () => {
    const truncated = encodeBytesElements(['hello', 'world']).subarray(0, 15);
    const error = rejection(() => decodeBytesElements(truncated, 2, 'input "s"'));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe('input "s": BYTES element 1 claims 5 bytes but only 2 remain');
  });

  it('rejects a count of elements other than the shape needs', () => {
    const error = rejection(() => decodeBytesElements(encodeBytesElements(['a', 'b', 'c']), 2, 'input "s"'));
    expect(error.message).toBe('input "s": shape needs 2 BYTES elements, got 3');
    expect(rejection(() => decodeBytesElements(new Uint8Array(0), 1, 'input "s"')).message).toBe(
      'input "s": shape needs 1 BYTES elements, got 0',
    );
  });
});
