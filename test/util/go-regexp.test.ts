// compileNameRegex against Go's own regexp tests: what Go accepts, what it rejects, and what its
// character classes hold. The cases come from golang/go src/regexp/syntax/parse_test.go
// (`parseTests`, `invalidRegexps`, `onlyPOSIX`, `onlyPerl`; the classes from their `cc{…}` dumps)
// as of commit 0657e5d4a8a7f47fd9c7f2396c8d36e58c0d1d8a. regexp.Compile parses with syntax.Perl,
// so the `onlyPOSIX` patterns are rejected and the `onlyPerl` ones accepted.
//
// Left out: the Unicode class names Go 1.25 added (golang/go#70781: `\p{Letter}`-style aliases,
// `\p{ASCII}`, `\p{Any}`, `\p{Assigned}`, names in any case): Kruise is built with an older Go,
// which rejects them, and so does re2js. Invalid UTF-8 cannot be written in a JavaScript string.
import { describe, expect, it } from 'vitest';
import { compileNameRegex, MAX_REGEX_LENGTH } from '../../src/util/go-regexp.js';

const errorOf = (pattern: string): string | undefined => {
  const compiled = compileNameRegex(pattern);
  return compiled.ok ? undefined : compiled.error;
};
const matches = (pattern: string, name: string): boolean => {
  const compiled = compileNameRegex(pattern);
  if (!compiled.ok) throw new Error(compiled.error);
  return compiled.test(name);
};

describe('patterns Go accepts (parseTests, onlyPerl)', () => {
  it.each([
    'a{2,}?',
    'x{1001',
    'x{9876543210',
    'x{2,1',
    '|x|',
    '\\_',
    '{',
    '}',
    '[[:^lower:]]',
    '(?i)[^[:lower:]]',
    '\\p{Braille}',
    '\\P{^Braille}',
    '[\\p{^Braille}]',
    '\\pZ',
    '\\p{Lu}',
    '\\p{Canadian_Aboriginal}',
    '(?i)[\\p{Lu}]',
    '[\\012-\\234]\\141',
    '[\\x{41}-\\x7a]\\x61',
    'a{,2}',
    'a*{',
    '\\Q+|*?{[\\E',
    '\\Q+\\E+',
    '\\Q\\\\E',
    '(?m)\\z',
    '(?-m)$',
    '(?P<name>a)',
    '(?<name>a)',
    '[a-b-c]',
    '(?:a)',
    '(?s).',
    '(?-s).',
    '[\\s\\S]a',
    '((((((((((x{2}){2}){2}){2}){2}){2}){2}){2}){2}))', // nested repetition at the limit
    '(?:[a-z]{4}){0,250}', // nested repeat product 4*250 = 1000, at the limit
    '('.repeat(999) + ')'.repeat(999), // nesting at the limit
    '(?:'.repeat(400) + ')*'.repeat(400), // (Go's case nests 999 deep, longer than MAX_REGEX_LENGTH)
    `(${'|'.repeat(2000)})`, // not nested at all
  ])('%j', (pattern) => {
    expect(errorOf(pattern)).toBeUndefined();
  });
});

describe('patterns Go rejects (invalidRegexps, onlyPOSIX), with its message', () => {
  it.each([
    ['(', 'missing closing )'],
    [')', 'unexpected )'],
    ['(a))', 'unexpected )'],
    ['(a|b|', 'missing closing )'],
    ['a|b|)', 'unexpected )'],
    ['[a-z', 'missing closing ]'],
    ['([a-z)', 'missing closing ]'],
    ['([a-z]))', 'unexpected )'],
    ['x{1001}', 'invalid repeat count'],
    ['x{9876543210}', 'invalid repeat count'],
    ['x{2,1}', 'invalid repeat count'],
    ['x{1,9876543210}', 'invalid repeat count'],
    ['(?P<name>a', 'missing closing )'],
    ['(?P<name', 'invalid named capture'],
    ['(?P<x y>a)', 'invalid named capture'],
    ['(?P<>a)', 'invalid named capture'],
    ['(?<x y>a)', 'invalid named capture'],
    ['(?<>a)', 'invalid named capture'],
    ['[a-Z]', 'invalid character class range'],
    ['(?i)[a-Z]', 'invalid character class range'],
    ['\\Q\\E*', 'missing argument to repetition operator'],
    ['a{100000}', 'invalid repeat count'],
    ['a{100000,}', 'invalid repeat count'],
    ['((((((((((x{2}){2}){2}){2}){2}){2}){2}){2}){2}){2})', 'invalid repeat count'], // too much repetition
    ['(?:[a-z]{4}){0,251}', 'invalid repeat count'], // nested repeat product 4*251 > 1000
    ['('.repeat(1000) + ')'.repeat(1000), 'expression nests too deeply'],
    ['a++', 'invalid nested repetition operator'],
    ['a**', 'invalid nested repetition operator'],
    ['a?*', 'invalid nested repetition operator'],
    ['a+*', 'invalid nested repetition operator'],
    ['a{1}*', 'invalid nested repetition operator'],
    ['.{1}{2}.{3}', 'invalid nested repetition operator'],
  ])('%j: %s', (pattern, message) => {
    expect(errorOf(pattern)).toMatch(new RegExp(`^error parsing regexp: ${message.replace(/[()]/g, '\\$&')}`));
  });

  it('rejects what only other regex dialects have: lookarounds, backreferences, unknown classes and escapes', () => {
    // Go's regexp/syntax has no lookaround (parse.go parsePerlFlags: "invalid or unsupported Perl syntax")
    // and reads `\1` as an invalid escape (parse.go parseEscape).
    expect(errorOf('a(?=b)')).toContain('invalid or unsupported Perl syntax');
    expect(errorOf('a(?!b)')).toContain('invalid or unsupported Perl syntax');
    expect(errorOf('(?<=a)b')).toContain('invalid named capture');
    expect(errorOf('(a)\\1')).toContain('invalid escape sequence');
    expect(errorOf('\\Z')).toContain('invalid escape sequence');
    expect(errorOf('[[:word2:]]')).toContain('invalid character class range');
    expect(errorOf('\\p{Klingon}')).toContain('invalid character class range');
  });

  it("refuses a pattern over MAX_REGEX_LENGTH before parsing it (Go's `too long` cases are longer still)", () => {
    expect(errorOf('(xx?){1000}'.repeat(1000))).toBe(`regex longer than ${MAX_REGEX_LENGTH} characters`);
    expect(errorOf('\\pL'.repeat(27000))).toBe(`regex longer than ${MAX_REGEX_LENGTH} characters`);
  });
});

describe("what Go's classes hold (the cc{…} dumps of parseTests and foldcaseTests)", () => {
  it.each([
    // (?i)[a-z] is cc{0x41-0x5a 0x61-0x7a 0x17f 0x212a}: the long s and the Kelvin sign fold into it.
    ['^(?i)[a-z]$', 'ſ', true],
    ['^(?i)[a-z]$', '\u212a', true],
    ['^(?i)[a-z]$', '[', false],
    ['^(?i)[[:lower:]]$', 'Q', true],
    ['^[[:lower:]]$', 'é', false],
    // (?i)\W leaves out 0x17f and 0x212a, which fold into \w.
    ['^(?i)\\W$', 'ſ', false],
    ['^(?i)\\W$', '\u212a', false],
    ['^\\W$', 'ſ', true],
    // \s is cc{0x9-0xa 0xc-0xd 0x20}: no vertical tab, no Unicode spaces; \d and \w are ASCII.
    ['^\\s$', '\u000b', false],
    ['^\\s$', '\u00a0', false],
    ['^\\d$', '٣', false],
    ['^\\w$', 'é', false],
    // \pZ is cc{0x20 0xa0 0x1680 0x2000-0x200a 0x2028-0x2029 0x202f 0x205f 0x3000}.
    ['^\\pZ$', '\u3000', true],
    ['^\\pZ$', '\t', false],
    ['^\\p{Braille}$', '\u28ff', true],
    ['^\\p{Braille}$', '\u2900', false],
    ['^\\P{^Braille}$', '\u2800', true],
    ['^\\p{^Braille}$', '\u2800', false],
    ['^\\p{Greek}+$', 'αβγ', true],
    ['^\\p{Lu}$', 'Ä', true],
    ['^\\p{Lu}$', 'ä', false],
    ['^(?i)[\\p{Lu}]$', 'ä', true],
    ['^[α-ε☺]+$', 'γ☺', true],
    ['^[\\012-\\234]\\141$', '\na', true],
    ['^[\\x{41}-\\x7a]\\x61$', 'Za', true],
    // Literals where Go reads no operator.
    ['^a{,2}$', 'a{,2}', true],
    ['^x{1001$', 'x{1001', true],
    ['^\\Q+|*?{[\\E$', '+|*?{[', true],
    ['^[a-b-c]+$', 'a-c', true],
    // `$` without (?m) is the end of the text (eot), not before a final newline as in Perl.
    ['a$', 'a\n', false],
    ['(?m)a$', 'a\nb', true],
    ['(?-s)a.b', 'a\nb', false],
    ['(?s)a.b', 'a\nb', true],
  ])('%j on %j → %s', (pattern, name, expected) => {
    expect(matches(pattern, name)).toBe(expected);
  });
});
