import { describe, expect, it } from 'vitest';
import { byteOrder } from '../../src/util/go-string-order.js';

describe('byteOrder', () => {
  it('orders like Go compares strings: by the bytes of their UTF-8', () => {
    const words = ['', 'a', 'ab', 'b', 'B', 'a-1', 'a-10', 'a-2', 'é', 'z', '\uffff', '\ue000', '😀', '😀a', '\u{10ffff}', 'ﬀ', '\u0800'];
    const bytes = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
    for (const a of words) for (const b of words) expect(Math.sign(byteOrder(a, b))).toBe(bytes(a, b));
  });
});
