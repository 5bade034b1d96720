// Character tests for scanning item text by char code, so that hot loops allocate nothing. They
// agree with the regular expressions and string methods they replace, which is what keeps the
// output byte for byte the same.

/** What `\s` matches and `trim` removes. */
export function isJsSpace(c: number): boolean {
  if (c === 32 || (c >= 9 && c <= 13)) return true;
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** `line.length - line.trimStart().length`, without the copy. */
export function leadingSpace(line: string): number {
  let i = 0;
  while (i < line.length && isJsSpace(line.charCodeAt(i))) i++;
  return i;
}

/**
 * Whether the text has a line break other than \n. A regular expression's `^` and `$` (with the `m`
 * flag) and `.` see these as line ends where a split at \n does not, so line-by-line code is only
 * the same as the regular expressions it replaces on text without them.
 */
export function hasOtherLineBreak(text: string): boolean {
  return text.indexOf('\r') !== -1 || text.indexOf('\u2028') !== -1 || text.indexOf('\u2029') !== -1;
}

const spaces: string[] = [];

/** `' '.repeat(n)`, one string per width. */
export function pad(n: number): string {
  return (spaces[n] ??= ' '.repeat(n));
}
