import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeUtf8 } from '../../src/modes/io.js';
import { InputError } from '../../src/krm/read.js';

describe('decodeUtf8', () => {
  const reference = new TextDecoder('utf-8', { fatal: true });
  const viaReference = (bytes: Uint8Array): string | 'invalid' => {
    try {
      return reference.decode(bytes);
    } catch {
      return 'invalid';
    }
  };
  const viaOurs = (bytes: Uint8Array): string | 'invalid' => {
    try {
      return decodeUtf8(bytes, 'x');
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      return 'invalid';
    }
  };

  it('reads what a fatal TextDecoder reads and refuses what it refuses, byte order mark dropped', () => {
    const text = fc.string({ unit: 'binary', maxLength: 20 });
    const bytes = fc.oneof(
      text.map((s) => new Uint8Array(Buffer.from(s, 'utf8'))),
      text.map((s) => new Uint8Array(Buffer.from('\ufeff' + s, 'utf8'))),
      fc.uint8Array({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(bytes, (b) => {
        expect(viaOurs(b)).toBe(viaReference(b));
      }),
      { numRuns: 2000 },
    );
  });

  it('names what it read in its error', () => {
    expect(() => decodeUtf8(new Uint8Array([0x61, 0xc3]), 'the input on stdin')).toThrow('the input on stdin is not valid UTF-8');
  });

  it('reads a view into a larger buffer', () => {
    const whole = Buffer.from('xxhéllo');
    expect(decodeUtf8(whole.subarray(2), 'x')).toBe('héllo');
  });
});
