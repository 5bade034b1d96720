// Random item texts as a ResourceList holds them: block maps and sequences at odd indentations,
// comments anywhere, block scalars, blank lines, and now and then a line that is none of these.
// The tests that hold the line-by-line code to the whole-text code it replaced run on them.
import fc from 'fast-check';

const KEYS = ['a', 'b', 'kind', 'name', 'metadata', 'spec', 'containers', 'env', 'value', '"q k"', "'s k'", 'x-y', '-k'];
const SCALARS = [
  'a',
  'b c',
  '"dq"',
  "'sq'",
  '1',
  'true',
  'on',
  'null',
  '~',
  '[a, b]',
  '{a: 1}',
  '[]',
  '{}',
  'x # c',
  '"a # b"',
  "'it''s'",
  '&anc x',
  '*anc',
  '!!str 1',
  'Deployment',
  '"a\u2028b"',
  'a\u2028 b',
  '"---"',
  'k: v',
  '"\\u2028"',
  'é',
  '\u00a0x',
  ':',
  'kind: Pod',
];
const ODD = ['---', '...', '\t', '\tx: 1', '# c', '', '   ', '\u2028', '-', '- ', 'kind: Pod', '  kind: X # c', 'x\ry: 1'];

/** Picks from a fixed stream of numbers, so that fast-check can replay and shrink a case. */
export class Choices {
  private at = 0;
  constructor(private readonly numbers: readonly number[]) {}
  next(): number {
    return this.numbers.length === 0 ? 0 : this.numbers[this.at++ % this.numbers.length];
  }
  chance(percent: number): boolean {
    return this.next() % 100 < percent;
  }
  pick<T>(from: readonly T[]): T {
    return from[this.next() % from.length];
  }
}

function block(c: Choices, lines: string[], indent: number, depth: number, odd: number): void {
  const entries = 1 + (c.next() % 4);
  for (let i = 0; i < entries; i++) {
    const sp = ' '.repeat(indent);
    if (c.chance(8)) lines.push(' '.repeat(c.next() % (indent + 3)) + '# comment');
    if (c.chance(5)) lines.push(' '.repeat(c.next() % 4));
    if (c.chance(odd)) lines.push(c.pick(ODD));
    const key = c.pick(KEYS);
    const shape = c.next() % 100;
    if (depth > 3 || shape < 45) lines.push(`${sp}${key}: ${c.pick(SCALARS)}${c.chance(10) ? '   # tail' : ''}`);
    else if (shape < 65) {
      lines.push(`${sp}${key}:`);
      block(c, lines, indent + 2, depth + 1, odd);
    } else if (shape < 85) {
      lines.push(`${sp}${key}:`);
      const dash = c.chance(50) ? indent : indent + 2;
      for (let j = 1 + (c.next() % 3); j > 0; j--) {
        if (c.chance(40)) lines.push(`${' '.repeat(dash)}- ${c.pick(SCALARS)}`);
        else {
          const item: string[] = [];
          block(c, item, dash + 2, depth + 2, odd);
          const first = item.findIndex((l) => l.startsWith(' '.repeat(dash + 2)) && l.trim() !== '' && !l.trim().startsWith('#'));
          if (first !== -1) item[first] = `${' '.repeat(dash)}- ${item[first].slice(dash + 2)}`;
          lines.push(...item);
        }
      }
    } else {
      lines.push(`${sp}${key}: ${c.pick(['|', '>-', '|2', '|+'])}`);
      for (let j = 1 + (c.next() % 3); j > 0; j--)
        lines.push(c.pick([`${sp}  text`, `${sp}  # not a comment`, '', `${sp}  ---`, `${sp}    deeper`, `${sp}  - x`]));
    }
  }
}

/** One item's text (its `-` line at `indent`, a newline at the end); `odd` is the percentage of odd lines. */
export function itemText(numbers: readonly number[], indent: number, odd: number): string {
  const c = new Choices(numbers);
  const lines: string[] = [];
  if (c.chance(50)) lines.push(`${' '.repeat(indent + 2)}kind: ${c.pick(['Deployment', 'Pod', '"Job"', 'X y'])}`);
  block(c, lines, indent + 2, 0, odd);
  if (c.chance(odd * 3)) {
    // One line one space in or out, where the item's own indentation meets the dash's.
    const i = c.next() % lines.length;
    lines[i] = c.chance(50) ? ' ' + lines[i] : lines[i].replace(/^ /, '');
  }
  let first = lines.findIndex((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  if (first === -1) {
    lines.push(`${' '.repeat(indent + 2)}a: 1`);
    first = lines.length - 1;
  }
  const marker = c.next() % 10;
  if (marker === 0) lines.splice(first, 0, `${' '.repeat(indent)}-`);
  else if (marker === 1) lines.splice(first, 0, `${' '.repeat(indent)}- # head`);
  else lines[first] = `${' '.repeat(indent)}- ${lines[first].replace(new RegExp(`^ {0,${indent + 2}}`), '')}`;
  if (c.chance(10)) lines.unshift('# before');
  return lines.join('\n') + '\n';
}

export const itemArb = (odd: number) =>
  fc
    .record({ indent: fc.constantFrom(0, 2), numbers: fc.array(fc.nat(), { minLength: 30, maxLength: 120 }) })
    .map(({ indent, numbers }) => ({ indent, raw: itemText(numbers, indent, odd) }));
