// Go's string order: the bytes of UTF-8, which is code point order. Kruise sorts map keys, names
// and env names this way.

/**
 * JavaScript's `<` compares UTF-16 units, which puts U+E000–U+FFFF after the astral planes;
 * shifting surrogates above them fixes that without encoding the strings.
 */
export function byteOrder(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}
