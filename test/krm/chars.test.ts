// The char-code tests stand in for regular expressions and string methods: they must agree on
// every code unit, or the text edit would cut lines where the old code did not.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hasOtherLineBreak, isJsSpace, leadingSpace, pad } from '../../src/krm/chars.js';

describe('chars', () => {
  it('isJsSpace is \\s, on every code unit', () => {
    const differ: number[] = [];
    for (let c = 0; c < 0x10000; c++) if (isJsSpace(c) !== /\s/.test(String.fromCharCode(c))) differ.push(c);
    expect(differ).toEqual([]);
  });

  it('leadingSpace is what trimStart removes', () => {
    const text = fc
      .array(fc.constantFrom(' ', '\t', '\u00a0', '\u2028', '\ufeff', 'a', '#', '-', '\n'), { maxLength: 8 })
      .map((cs) => cs.join(''));
    fc.assert(
      fc.property(text, (line) => {
        expect(leadingSpace(line)).toBe(line.length - line.trimStart().length);
      }),
    );
  });

  it('hasOtherLineBreak finds \\r, U+2028 and U+2029 only', () => {
    expect(['a\rb', 'a\u2028', '\u2029'].map(hasOtherLineBreak)).toEqual([true, true, true]);
    expect(['a\nb', 'a\u0085b', ''].map(hasOtherLineBreak)).toEqual([false, false, false]);
  });

  it('pad gives n spaces', () => {
    expect([pad(0), pad(3), pad(3)]).toEqual(['', '   ', '   ']);
  });
});
