// The fast way to write a changed item: edit its text where the data changed and leave every other
// line as it is, instead of building a `yaml` Document for it (~13× the cost of parsing it). Only
// block-style layouts are handled — what kpt, kustomize and people write; anything else returns
// undefined and the caller falls back to the Document path (krm/edit.ts).
//
// The edit appends to one output array of lines, and reads lines by char code: a large list has
// hundreds of thousands of changed lines, and copies of them are most of what this would allocate.
import { stringify } from 'yaml';
import { emitInto, SCALAR_OPTIONS, yamlOptions } from './emit.js';
import type { EmitStyle as TextStyle } from './emit.js';
import { deepEqual, isPlainObject } from '../util/json.js';
import { isJsSpace, leadingSpace, pad } from './chars.js';

export type { EmitStyle as TextStyle } from './emit.js';

type Lines = string[];

/**
 * The item's lines, which of them are content (not blank, not a comment, or inside a block scalar),
 * and their indentation (the edit reads it at every level of the maps it descends into).
 */
interface Text {
  lines: Lines;
  content: boolean[];
  leads: Int32Array;
  /**
   * The blank lines after a keep-chomping block scalar (`|+`, `>+`) are part of its value: by the
   * scalar's last line, where they end. Absent without such a scalar.
   */
  keptBlanks?: Map<number, number>;
}

const BLOCK_SCALAR_HEADER = /(?:^|:\s+|-\s+)[|>]([-+0-9]*)(?:\s+#.*)?$/;

/** A block scalar's lines can look like comments or blank lines: mark them content. */
function classify(lines: Lines): Text {
  const content = new Array<boolean>(lines.length);
  const leads = new Int32Array(lines.length);
  const text: Text = { lines, content, leads };
  let scalarOwner = -1;
  let keep = false;
  let scalarEnd = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const lead = leadingSpace(line);
    leads[i] = lead;
    const blank = lead === line.length;
    if (scalarOwner >= 0 && (blank || lead > scalarOwner)) {
      content[i] = !blank;
      if (!blank) scalarEnd = i;
      continue;
    }
    if (keep) keepBlanks(text, scalarEnd, i);
    scalarOwner = -1;
    keep = false;
    content[i] = !blank && line.charCodeAt(lead) !== 35; /* # */
    if (!content[i] || !(line.includes('|') || line.includes('>'))) continue;
    const header = BLOCK_SCALAR_HEADER.exec(line.trim());
    if (header) {
      scalarOwner = lead;
      keep = header[1].includes('+');
      scalarEnd = i;
    }
  }
  if (keep) keepBlanks(text, scalarEnd, lines.length);
  return text;
}

function keepBlanks(text: Text, last: number, next: number): void {
  if (next > last + 1) (text.keptBlanks ??= new Map()).set(last, next);
}

/** Past the content line `i`: past the blank lines that belong to it, if it ends a keep-chomping scalar. */
function after(text: Text, i: number): number {
  return text.keptBlanks?.get(i) ?? i + 1;
}

/**
 * Past the item's last content line, with the blank lines of a keep-chomping block scalar that ends
 * it: the blank and comment lines from there on are not the item's to edit (the comment before the
 * next item is that item's).
 */
export function contentEnd(lines: Lines): number {
  const text = classify(lines);
  for (let i = lines.length - 1; i >= 0; i--) if (text.content[i]) return after(text, i);
  return 0;
}

/** The item's standalone text (as from dedentItem) with `next` applied, or undefined. */
export function editItemText(text: string, old: unknown, next: unknown, style: TextStyle): string | undefined {
  const edited = editItemLines((text.endsWith('\n') ? text.slice(0, -1) : text).split('\n'), old, next, style);
  return edited === undefined ? undefined : edited.join('\n') + '\n';
}

/** editItemText on the text's lines (without their newlines). */
export function editItemLines(lines: Lines, old: unknown, next: unknown, style: TextStyle): Lines | undefined {
  if (!isPlainObject(old) || !isPlainObject(next)) return undefined;
  const out: Lines = [];
  try {
    editMap(classify(lines), 0, lines.length, 0, old, next, style, out);
    return out;
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
}

class Unsupported extends Error {}

const unsupported = (why: string): never => {
  throw new Unsupported(why);
};

interface Entry {
  key: string;
  /** Where the key ends on its line, past its colon. */
  keyEnd: number;
  /** Line of `key:`. */
  line: number;
  /** What follows `key:` on its line, without a comment. */
  inline: string;
  /** The comment after the inline value, with its leading spaces. */
  comment: string;
  /**
   * Lines of the value below the key line: [line + 1, end). Trailing comments and blank lines are
   * not in it, except the blank lines of a keep-chomping block scalar.
   */
  end: number;
}

const KEY = /("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s"'#&*!|>%@`{}[\],?:-][^:#]*?|-[^\s:#][^:#]*?)\s*:(?=\s|$)/y;

function unquoteKey(raw: string): string {
  if (raw.startsWith('"')) return JSON.parse(raw) as string;
  if (raw.startsWith("'")) return raw.slice(1, -1).replace(/''/g, "'");
  return raw;
}

/** Split `  value  # comment` (the line from `from` on) into the value and the comment, minding quotes. */
function splitComment(line: string, from: number): { value: string; comment: string } {
  let quote = 0;
  for (let i = from; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (quote) {
      if (c === 92 /* \ */ && quote === 34) i++;
      else if (c === quote) quote = 0;
    } else if (c === 34 /* " */ || c === 39 /* ' */) {
      if (i === from || isJsSpace(line.charCodeAt(i - 1))) quote = c;
    } else if (c === 35 /* # */ && (i === from || isJsSpace(line.charCodeAt(i - 1)))) {
      let start = i;
      while (start > from && isJsSpace(line.charCodeAt(start - 1))) start--;
      return { value: line.slice(from, start).trim(), comment: line.slice(start) };
    }
  }
  if (quote) unsupported('multi-line quoted scalar');
  return { value: line.slice(from).trim(), comment: '' };
}

/** Entries of the block map whose keys sit at `indent` within [from, to). */
function mapEntries(text: Text, from: number, to: number, indent: number): Entry[] {
  const { lines, content, leads } = text;
  const entries: Entry[] = [];
  let lastContent = -1;
  const close = () => {
    if (entries.length > 0) entries[entries.length - 1].end = Math.max(entries[entries.length - 1].line + 1, after(text, lastContent));
  };
  for (let i = from; i < to; i++) {
    if (!content[i]) continue;
    const lead = leads[i];
    if (lead < indent) unsupported('content outside the map');
    const line = lines[i];
    if (lead === indent && line.charCodeAt(lead) !== 45 /* - */) {
      close();
      KEY.lastIndex = indent;
      const m = KEY.exec(line);
      if (!m) return unsupported(`not a simple key: ${line}`);
      const keyEnd = indent + m[0].length;
      const { value, comment } = splitComment(line, keyEnd);
      const v = value.charCodeAt(0);
      if (v === 38 /* & */ || v === 42 /* * */ || v === 33 /* ! */) unsupported('anchor, alias or tag');
      if (value.startsWith('{') !== value.endsWith('}') || value.startsWith('[') !== value.endsWith(']'))
        unsupported('multi-line flow value');
      entries.push({ key: unquoteKey(m[1]), keyEnd, line: i, inline: value, comment, end: i + 1 });
      lastContent = i;
      continue;
    }
    if (entries.length === 0) unsupported('content before the first key');
    lastContent = i;
  }
  close();
  return entries;
}

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

function pushLines(lines: Lines, from: number, to: number, out: Lines): void {
  for (let i = from; i < to; i++) out.push(lines[i]);
}

function editMap(
  text: Text,
  from: number,
  to: number,
  indent: number,
  old: Record<string, unknown>,
  next: Record<string, unknown>,
  style: TextStyle,
  out: Lines,
): void {
  const { lines } = text;
  const entries = mapEntries(text, from, to, indent);
  if (
    !entries.every((e) => hasOwn(old, e.key)) ||
    (repeatsKey(entries) ? !repeatsUnchanged(entries, old, next) : entries.length !== Object.keys(old).length)
  ) {
    unsupported('the text and the data disagree on the keys');
  }
  const { before, last } = newKeyPlaces(old, next);
  let cursor = from;
  for (const e of entries) {
    const inserted = before.get(e.key);
    if (inserted) {
      before.delete(e.key);
      for (const key of inserted) serialize({ [key]: next[key] }, indent, style, out);
    }
    pushLines(lines, cursor, e.line, out);
    cursor = e.end;
    if (!hasOwn(next, e.key)) continue;
    editEntry(text, e, indent, old[e.key], next[e.key], style, out);
  }
  // The rest go after the last entry's value, before trailing comments.
  for (const key of last) serialize({ [key]: next[key] }, indent, style, out);
  pushLines(lines, cursor, to, out);
}

/**
 * Where the keys `next` adds to `old` go: where `next` has them, that is before the first key
 * after them that `old` has too (with that key's comments), or after the last key. A key given
 * back (un-injection) thus returns to its place; a key another step adds goes where a fresh
 * write would put it.
 */
export function newKeyPlaces(
  old: Record<string, unknown>,
  next: Record<string, unknown>,
): { before: Map<string, string[]>; last: string[] } {
  const before = new Map<string, string[]>();
  const last: string[] = [];
  let waiting: string[] = [];
  for (const key of Object.keys(next)) {
    if (!hasOwn(old, key)) waiting.push(key);
    else if (waiting.length > 0) {
      before.set(key, waiting);
      waiting = [];
    }
  }
  last.push(...waiting);
  return { before, last };
}

function repeatsKey(entries: readonly Entry[]): boolean {
  // Most maps have a few keys: comparing them costs less than a Set.
  if (entries.length > 16) return new Set(entries.map((e) => e.key)).size !== entries.length;
  for (let i = 1; i < entries.length; i++) {
    for (let j = 0; j < i; j++) if (entries[j].key === entries[i].key) return true;
  }
  return false;
}

/**
 * A map that repeats a key (run.ts lets only identical repeats off the injection's way through):
 * editable when the data has every key of the text and each repeated key keeps its value, so
 * that editEntry copies every occurrence's lines.
 */
function repeatsUnchanged(entries: readonly Entry[], old: Record<string, unknown>, next: Record<string, unknown>): boolean {
  const keys = new Set(entries.map((e) => e.key));
  if (keys.size !== Object.keys(old).length) return false;
  return [...keys].every(
    (key) => entries.filter((e) => e.key === key).length === 1 || (hasOwn(next, key) && deepEqual(old[key], next[key])),
  );
}

function editEntry(text: Text, e: Entry, indent: number, old: unknown, next: unknown, style: TextStyle, out: Lines): void {
  const { lines } = text;
  if (deepEqual(old, next)) {
    pushLines(lines, e.line, e.end, out);
    return;
  }
  // A block scalar's lines can look like comments, so where it ends is not known for sure.
  const v = e.inline.charCodeAt(0);
  if (v === 124 /* | */ || v === 62 /* > */) unsupported('a changed block scalar');
  const keyText = lines[e.line].slice(0, e.keyEnd);
  const nested = e.inline === '' && e.end > e.line + 1;
  if (isEmptyCollection(next)) {
    out.push(`${keyText} ${Array.isArray(next) ? '[]' : '{}'}${e.comment}`);
    return;
  }
  // A flow collection keeps its style; `yaml` writes it (the Document path). `{}` and `[]` have none.
  if (isCollection(next) && isCollection(old) && !isEmptyCollection(old) && (v === 123 /* { */ || v === 91) /* [ */)
    unsupported('a changed flow collection');
  if (nested) {
    const first = firstContent(text, e.line + 1, e.end);
    const childIndent = text.leads[first];
    const isSeq = lines[first].charCodeAt(childIndent) === 45; /* - */
    if (isSeq && Array.isArray(old) && Array.isArray(next)) {
      out.push(lines[e.line]);
      editSeq(text, e.line + 1, e.end, childIndent, old, next, style, out);
      return;
    }
    if (!isSeq && childIndent > indent && isPlainObject(old) && isPlainObject(next)) {
      out.push(lines[e.line]);
      editMap(text, e.line + 1, e.end, childIndent, old, next, style, out);
      return;
    }
  }
  if (!isCollection(next)) {
    out.push(`${keyText} ${inlineScalar(next)}${e.inline !== '' && !nested ? e.comment : ''}`);
    return;
  }
  out.push(`${keyText}${e.comment}`);
  serialize(next, Array.isArray(next) && style.compactSequences ? indent : indent + 2, style, out);
}

function firstContent({ content }: Text, from: number, to: number): number {
  for (let i = from; i < to; i++) if (content[i]) return i;
  return unsupported('empty value');
}

const isCollection = (v: unknown) => typeof v === 'object' && v !== null;
const isEmptyCollection = (v: unknown) => (Array.isArray(v) ? v.length === 0 : isPlainObject(v) && Object.keys(v).length === 0);

/** `- ` and then a map's first key on the same line (not a comment). */
function dashThenKey(line: string, dash: number): boolean {
  if (line.charCodeAt(dash) !== 45 || line.charCodeAt(dash + 1) !== 32 || dash + 2 >= line.length) return false;
  const c = line.charCodeAt(dash + 2);
  return !isJsSpace(c) && c !== 35;
}

/** Sequences of named maps (containers, volumes, env, …) are matched by name, others by position. */
function editSeq(text: Text, from: number, to: number, dash: number, old: unknown[], next: unknown[], style: TextStyle, out: Lines): void {
  const { lines, content, leads } = text;
  // Each item: the comment and blank lines before it (its lead), its own lines [start, end).
  const items: Array<{ lead: number; start: number; end: number }> = [];
  let lastContent = -1;
  for (let i = from; i < to; i++) {
    if (!content[i]) continue;
    const lead = leads[i];
    if (lead < dash) unsupported('content outside the sequence');
    if (lead === dash) {
      const line = lines[i];
      if (line.charCodeAt(dash) !== 45 || (dash + 1 < line.length && line.charCodeAt(dash + 1) !== 32)) unsupported('not a sequence item');
      if (items.length > 0) items[items.length - 1].end = after(text, lastContent);
      items.push({ lead: items.length > 0 ? after(text, lastContent) : i, start: i, end: i + 1 });
    }
    lastContent = i;
  }
  if (items.length > 0) items[items.length - 1].end = after(text, lastContent);
  if (items.length !== old.length) unsupported('the text and the data disagree on the items');

  // Comments and blank lines between items stay with the item after them; the head keeps its own.
  pushLines(lines, from, items.length > 0 ? items[0].start : to, out);
  const nameOf = (v: unknown) => (isPlainObject(v) && typeof v.name === 'string' ? v.name : undefined);
  const used: boolean[] = new Array<boolean>(old.length).fill(false);
  for (let i = 0; i < next.length; i++) {
    const v = next[i];
    const name = nameOf(v);
    let match: number | undefined;
    if (name !== undefined) match = old.findIndex((o, j) => !used[j] && nameOf(o) === name);
    else if (i < old.length && nameOf(old[i]) === undefined && !used[i]) match = i;
    if (match === undefined || match < 0) {
      serialize([v], dash, style, out);
      continue;
    }
    used[match] = true;
    const item = items[match];
    pushLines(lines, item.lead, item.start, out);
    const was = old[match];
    if (deepEqual(was, v)) {
      pushLines(lines, item.start, item.end, out);
      continue;
    }
    const own = lines[item.start];
    if (isPlainObject(was) && isPlainObject(v) && Object.keys(v).length > 0 && dashThenKey(own, dash)) {
      // The item's map, edited where it stands: its first line with the dash as a space, for as
      // long as the edit reads it.
      const start = out.length;
      const asKey = pad(dash + 2) + own.slice(dash + 2);
      lines[item.start] = asKey;
      leads[item.start] = leadingSpace(asKey);
      try {
        editMap(text, item.start, item.end, dash + 2, was, v, style, out);
      } finally {
        lines[item.start] = own;
        leads[item.start] = dash;
      }
      out[start] = pad(dash) + '- ' + out[start].slice(dash + 2);
      continue;
    }
    serialize([v], dash, style, out);
  }
  if (items.length > 0) pushLines(lines, items[items.length - 1].end, to, out);
}

/** New nodes come out as the `yaml` Document API would write them, quoted for YAML 1.1 readers. */
function serialize(value: unknown, indent: number, style: TextStyle, out: Lines): void {
  if (emitInto(value, indent, style, out)) return;
  const lead = pad(indent);
  for (const l of stringify(value, yamlOptions(style)).slice(0, -1).split('\n')) out.push(l === '' ? l : lead + l);
}

function inlineScalar(value: unknown): string {
  const text = stringify(value, SCALAR_OPTIONS).slice(0, -1);
  if (text.includes('\n')) unsupported('multi-line scalar');
  return text;
}
