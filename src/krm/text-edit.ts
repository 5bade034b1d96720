// The fast way to write a changed item: edit its text where the data changed and leave every other
// line as it is, instead of building a `yaml` Document for it (~13× the cost of parsing it). Only
// block-style layouts are handled — what kpt, kustomize and people write; anything else returns
// undefined and the caller falls back to the Document path (krm/edit.ts).
import { stringify } from 'yaml';
import { emitBlock, yamlOptions } from './emit.js';
import { deepEqual } from '../util/json.js';
import { isPlainObject } from './read.js';

type Lines = string[];

/** The item's lines, and which of them are content (not blank, not a comment, or inside a block scalar). */
interface Text {
  lines: Lines;
  content: boolean[];
}

const BLOCK_SCALAR_HEADER = /(?:^|:\s+|-\s+)[|>][-+0-9]*(?:\s+#.*)?$/;

/** A block scalar's lines can look like comments or blank lines: mark them content. */
function classify(lines: Lines): Text {
  const content = new Array<boolean>(lines.length);
  let scalarOwner = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (scalarOwner >= 0 && (line.trim() === '' || indentOf(line) > scalarOwner)) {
      content[i] = line.trim() !== '';
      continue;
    }
    scalarOwner = -1;
    content[i] = !isBlankOrComment(line);
    if (content[i] && BLOCK_SCALAR_HEADER.test(line.trim())) scalarOwner = indentOf(line);
  }
  return { lines, content };
}

export type { EmitStyle as TextStyle } from './emit.js';
import type { EmitStyle as TextStyle } from './emit.js';

/** The item's standalone text (as from dedentItem) with `next` applied, or undefined. */
export function editItemText(text: string, old: unknown, next: unknown, style: TextStyle): string | undefined {
  if (!isPlainObject(old) || !isPlainObject(next)) return undefined;
  const lines = (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
  try {
    const edited = editMap(classify(lines), 0, lines.length, 0, old, next, style);
    return edited === undefined ? undefined : edited.join('\n') + '\n';
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
  /** The key line up to and including its colon. */
  keyText: string;
  /** Line of `key:`. */
  line: number;
  /** What follows `key:` on its line, without a comment. */
  inline: string;
  /** The comment after the inline value, with its leading spaces. */
  comment: string;
  /** Lines of the value below the key line: [line + 1, end). Trailing comments and blanks are not in it. */
  end: number;
}

const indentOf = (line: string) => line.length - line.trimStart().length;
const isBlankOrComment = (line: string) => {
  const t = line.trimStart();
  return t === '' || t.startsWith('#');
};
const KEY = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s"'#&*!|>%@`{}[\],?:-][^:#]*?|-[^\s:#][^:#]*?)\s*:(?=\s|$)/;

function unquoteKey(raw: string): string {
  if (raw.startsWith('"')) return JSON.parse(raw) as string;
  if (raw.startsWith("'")) return raw.slice(1, -1).replace(/''/g, "'");
  return raw;
}

/** Split `  value  # comment` into the value and the comment, minding quotes. */
function splitComment(rest: string): { value: string; comment: string } {
  let quote = '';
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") {
      if (i === 0 || /\s/.test(rest[i - 1])) quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(rest[i - 1]))) {
      let start = i;
      while (start > 0 && /\s/.test(rest[start - 1])) start--;
      return { value: rest.slice(0, start).trim(), comment: rest.slice(start) };
    }
  }
  if (quote) unsupported('multi-line quoted scalar');
  return { value: rest.trim(), comment: '' };
}

/** Entries of the block map whose keys sit at `indent` within [from, to). */
function mapEntries({ lines, content }: Text, from: number, to: number, indent: number): Entry[] {
  const entries: Entry[] = [];
  let lastContent = -1;
  const close = () => {
    if (entries.length > 0) entries[entries.length - 1].end = Math.max(entries[entries.length - 1].line + 1, lastContent + 1);
  };
  for (let i = from; i < to; i++) {
    const line = lines[i];
    if (!content[i]) continue;
    const lead = indentOf(line);
    if (lead < indent) unsupported('content outside the map');
    if (lead === indent && !line.startsWith('-', lead)) {
      close();
      const m = KEY.exec(line.slice(indent));
      if (!m) unsupported(`not a simple key: ${line}`);
      const { value, comment } = splitComment(line.slice(indent + m![0].length));
      if (/^[&*!]/.test(value)) unsupported('anchor, alias or tag');
      if (value.startsWith('{') !== value.endsWith('}') || value.startsWith('[') !== value.endsWith(']')) unsupported('multi-line flow value');
      entries.push({ key: unquoteKey(m![1]), keyText: line.slice(0, indent + m![0].length), line: i, inline: value, comment, end: i + 1 });
      lastContent = i;
      continue;
    }
    if (entries.length === 0) unsupported('content before the first key');
    lastContent = i;
  }
  close();
  return entries;
}

function editMap(text: Text, from: number, to: number, indent: number, old: Record<string, unknown>, next: Record<string, unknown>, style: TextStyle): Lines {
  const { lines } = text;
  const entries = mapEntries(text, from, to, indent);
  const keys = entries.map((e) => e.key);
  if (new Set(keys).size !== keys.length || keys.length !== Object.keys(old).length || keys.some((k) => !Object.prototype.hasOwnProperty.call(old, k))) {
    unsupported('the text and the data disagree on the keys');
  }
  const out: Lines = [];
  let cursor = from;
  for (const e of entries) {
    out.push(...lines.slice(cursor, e.line));
    cursor = e.end;
    if (!Object.prototype.hasOwnProperty.call(next, e.key)) continue;
    out.push(...editEntry(text, e, indent, old[e.key], next[e.key], style));
  }
  out.push(...lines.slice(cursor, to));
  const added = Object.keys(next).filter((k) => !Object.prototype.hasOwnProperty.call(old, k));
  if (added.length > 0) {
    // New keys go after the last entry's value, before trailing comments.
    const lastEntryEnd = out.length - (to - cursor);
    const tail = out.splice(lastEntryEnd);
    for (const key of added) out.push(...serialize({ [key]: next[key] }, indent, style));
    out.push(...tail);
  }
  return out;
}

function editEntry(text: Text, e: Entry, indent: number, old: unknown, next: unknown, style: TextStyle): Lines {
  const { lines } = text;
  const original = lines.slice(e.line, e.end);
  if (deepEqual(old, next)) return original;
  // A block scalar's lines can look like comments, so where it ends is not known for sure.
  if (/^[|>]/.test(e.inline)) unsupported('a changed block scalar');
  const keyText = e.keyText;
  const nested = e.inline === '' && e.end > e.line + 1;
  if (isEmptyCollection(next)) return [`${keyText} ${Array.isArray(next) ? '[]' : '{}'}${e.comment}`];
  if (nested) {
    const first = firstContent(text, e.line + 1, e.end);
    const childIndent = indentOf(lines[first]);
    const isSeq = lines[first].startsWith('-', childIndent);
    if (isSeq && Array.isArray(old) && Array.isArray(next)) {
      return [lines[e.line], ...editSeq(text, e.line + 1, e.end, childIndent, old, next, style)];
    }
    if (!isSeq && childIndent > indent && isPlainObject(old) && isPlainObject(next)) {
      return [lines[e.line], ...editMap(text, e.line + 1, e.end, childIndent, old, next, style)];
    }
  }
  if (!isCollection(next)) {
    const scalar = inlineScalar(next);
    return [`${keyText} ${scalar}${e.inline !== '' && !nested ? e.comment : ''}`];
  }
  const body = serialize(next, 0, style);
  const childIndent = Array.isArray(next) && style.compactSequences ? indent : indent + 2;
  return [`${keyText}${nested || e.inline === '' ? e.comment : ''}`, ...body.map((l) => (l === '' ? l : ' '.repeat(childIndent) + l))];
}

function firstContent({ content }: Text, from: number, to: number): number {
  for (let i = from; i < to; i++) if (content[i]) return i;
  return unsupported('empty value');
}

const isCollection = (v: unknown) => typeof v === 'object' && v !== null;
const isEmptyCollection = (v: unknown) => (Array.isArray(v) ? v.length === 0 : isPlainObject(v) && Object.keys(v).length === 0);

/** Sequences of named maps (containers, volumes, env, …) are matched by name, others by position. */
function editSeq(text: Text, from: number, to: number, dash: number, old: unknown[], next: unknown[], style: TextStyle): Lines {
  const { lines, content } = text;
  // Each item: the comment and blank lines before it (its lead), its own lines [start, end).
  const items: Array<{ lead: number; start: number; end: number }> = [];
  let lastContent = -1;
  for (let i = from; i < to; i++) {
    const line = lines[i];
    if (!content[i]) continue;
    const lead = indentOf(line);
    if (lead < dash) unsupported('content outside the sequence');
    if (lead === dash) {
      if (!/^-( |$)/.test(line.slice(dash))) unsupported('not a sequence item');
      if (items.length > 0) items[items.length - 1].end = lastContent + 1;
      items.push({ lead: items.length > 0 ? lastContent + 1 : i, start: i, end: i + 1 });
    }
    lastContent = i;
  }
  if (items.length > 0) items[items.length - 1].end = lastContent + 1;
  if (items.length !== old.length) unsupported('the text and the data disagree on the items');

  const nameOf = (v: unknown) => (isPlainObject(v) && typeof v.name === 'string' ? v.name : undefined);
  const used = new Set<number>();
  const rendered = next.map((v, i) => {
    const name = nameOf(v);
    let match: number | undefined;
    if (name !== undefined) match = old.findIndex((o, j) => !used.has(j) && nameOf(o) === name);
    else if (i < old.length && nameOf(old[i]) === undefined && !used.has(i)) match = i;
    if (match === undefined || match < 0) return serializeItem(v, dash, style);
    used.add(match);
    const item = items[match];
    const lead = lines.slice(item.lead, item.start);
    const own = lines.slice(item.start, item.end);
    if (deepEqual(old[match], v)) return [...lead, ...own];
    if (isPlainObject(old[match]) && isPlainObject(v) && Object.keys(v).length > 0 && /^- \S/.test(own[0].slice(dash)) && !/^- #/.test(own[0].slice(dash))) {
      const inner: Text = {
        lines: [' '.repeat(dash + 2) + own[0].slice(dash + 2), ...own.slice(1)],
        content: content.slice(item.start, item.end),
      };
      const edited = editMap(inner, 0, inner.lines.length, dash + 2, old[match] as Record<string, unknown>, v, style);
      return [...lead, ' '.repeat(dash) + '- ' + edited[0].slice(dash + 2), ...edited.slice(1)];
    }
    return [...lead, ...serializeItem(v, dash, style)];
  });
  // Comments and blank lines between items stay with the item after them; the head keeps its own.
  const out: Lines = lines.slice(from, items.length > 0 ? items[0].start : to);
  for (const r of rendered) out.push(...r);
  if (items.length > 0) out.push(...lines.slice(items[items.length - 1].end, to));
  return out;
}

function serializeItem(v: unknown, dash: number, style: TextStyle): Lines {
  return serialize([v], dash, style);
}

/** New nodes come out as the `yaml` Document API would write them, quoted for YAML 1.1 readers. */
function serialize(value: unknown, indent: number, style: TextStyle): Lines {
  const lines = emitBlock(value, style) ?? stringify(value, yamlOptions(style)).slice(0, -1).split('\n');
  const pad = ' '.repeat(indent);
  return lines.map((l) => (l === '' ? l : pad + l));
}

function inlineScalar(value: unknown): string {
  const text = stringify(value, { version: '1.1', lineWidth: 0 }).slice(0, -1);
  if (text.includes('\n')) unsupported('multi-line scalar');
  return text;
}
