// JSON in, JSON out. A ResourceList that comes as JSON (piped in by people; kpt and kustomize send
// YAML) keeps each item's exact text and is written back as JSON, and so is an item written as JSON
// in a YAML list (a `.json` file in the command-line mode). JSON has one reading of every value, so
// nothing a YAML 1.1 or 1.2 reader could take for a number or a boolean is ever written.
import { deepEqual, isPlainObject } from '../util/json.js';

/** Where a JSON value stands in its text and, as far as it was recorded, where its parts do. */
export interface JsonSpan {
  start: number;
  end: number;
  /** An object's members, in text order (recorded objects only). */
  entries?: JsonEntry[];
  /** An array's elements (recorded arrays only). */
  elements?: JsonSpan[];
}

export interface JsonEntry {
  key: string;
  keyStart: number;
  /** The key as written, quotes included. */
  keyText: string;
  value: JsonSpan;
}

export class NotJson extends Error {}

/**
 * Nesting deeper than this is no Kubernetes object; such text is left to the YAML parser (which
 * rejects it), and the scan below recurses without fear of the stack.
 */
const MAX_DEPTH = 1000;

/**
 * Checks that `text` is one JSON value (with whitespace around it) and records the spans of its
 * parts `record` levels deep. Throws NotJson otherwise. With `keys`, the first key an object
 * repeats is put there.
 */
export function scanJson(text: string, record: number, keys?: { repeated?: string }): JsonSpan {
  const scanner = new JsonScanner(text, keys);
  scanner.skipSpace();
  const root = scanner.value(0, record);
  scanner.skipSpace();
  if (scanner.pos !== text.length) scanner.fail();
  return root;
}

/** scanJson's state: the text and the offset reached. Char codes throughout, so that the scan allocates only what it records. */
class JsonScanner {
  pos = 0;

  constructor(
    private readonly text: string,
    private readonly keys: { repeated?: string } | undefined,
  ) {}

  fail(): never {
    throw new NotJson(`not JSON at offset ${this.pos}`);
  }

  skipSpace(): void {
    const text = this.text;
    let pos = this.pos;
    for (let c = text.charCodeAt(pos); c === 32 || c === 10 || c === 13 || c === 9; c = text.charCodeAt(++pos));
    this.pos = pos;
  }

  private expect(c: number): void {
    if (this.text.charCodeAt(this.pos) !== c) this.fail();
    this.pos++;
  }

  /** A string from its opening quote; true when it holds an escape. */
  private string(): boolean {
    this.expect(34);
    const text = this.text;
    let escaped = false;
    for (;;) {
      const c = text.charCodeAt(this.pos++);
      if (c === 34) return escaped;
      if (c === 92) {
        escaped = true;
        const e = text.charCodeAt(this.pos++);
        if (e === 117 /* u */) {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(this.pos, this.pos + 4))) this.fail();
          this.pos += 4;
        } else if (!(e === 34 || e === 92 || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116)) this.fail();
      } else if (!(c >= 0x20)) this.fail(); // control characters, and NaN past the end
    }
  }

  private digits(): void {
    const text = this.text;
    const from = this.pos;
    let pos = from;
    for (let c = text.charCodeAt(pos); c >= 48 && c <= 57; c = text.charCodeAt(++pos));
    this.pos = pos;
    if (pos === from) this.fail();
  }

  private number(): void {
    const text = this.text;
    if (text.charCodeAt(this.pos) === 45) this.pos++;
    if (text.charCodeAt(this.pos) === 48) this.pos++;
    else this.digits();
    if (text.charCodeAt(this.pos) === 46) {
      this.pos++;
      this.digits();
    }
    const e = text.charCodeAt(this.pos);
    if (e === 101 || e === 69) {
      this.pos++;
      const sign = text.charCodeAt(this.pos);
      if (sign === 43 || sign === 45) this.pos++;
      this.digits();
    }
  }

  private word(w: string): void {
    if (!this.text.startsWith(w, this.pos)) this.fail();
    this.pos += w.length;
  }

  /** One value; its parts recorded `keep` levels deep. */
  value(depth: number, keep: number): JsonSpan {
    const start = this.pos;
    const c = this.text.charCodeAt(start);
    if (c === 123 /* { */ || c === 91 /* [ */) return this.container(depth, keep, c === 123);
    if (c === 34) this.string();
    else if (c === 45 || (c >= 48 && c <= 57)) this.number();
    else if (c === 116) this.word('true');
    else if (c === 102) this.word('false');
    else if (c === 110) this.word('null');
    else this.fail();
    return { start, end: this.pos };
  }

  private container(depth: number, keep: number, object: boolean): JsonSpan {
    if (depth >= MAX_DEPTH) this.fail();
    const text = this.text;
    const start = this.pos;
    const close = object ? 125 : 93;
    const entries: JsonEntry[] | undefined = keep > 0 && object ? [] : undefined;
    const keysSeen = this.keys && object ? new Set<string>() : undefined;
    const elements: JsonSpan[] | undefined = keep > 0 && !object ? [] : undefined;
    this.pos++;
    this.skipSpace();
    if (text.charCodeAt(this.pos) === close) this.pos++;
    else {
      for (;;) {
        if (object) {
          const keyStart = this.pos;
          const escaped = this.string();
          const keyEnd = this.pos;
          const key =
            entries || keysSeen
              ? escaped
                ? (JSON.parse(text.slice(keyStart, keyEnd)) as string)
                : text.slice(keyStart + 1, keyEnd - 1)
              : '';
          if (keysSeen) {
            if (keysSeen.has(key)) this.keys!.repeated ??= key;
            keysSeen.add(key);
          }
          this.skipSpace();
          this.expect(58 /* : */);
          this.skipSpace();
          const v = this.value(depth + 1, keep - 1);
          entries?.push({ key, keyStart, keyText: text.slice(keyStart, keyEnd), value: v });
        } else {
          const v = this.value(depth + 1, keep - 1);
          elements?.push(v);
        }
        this.skipSpace();
        const next = text.charCodeAt(this.pos++);
        if (next === close) break;
        if (next !== 44 /* , */) this.fail();
        this.skipSpace();
      }
    }
    return entries ? { start, end: this.pos, entries } : elements ? { start, end: this.pos, elements } : { start, end: this.pos };
  }
}

/** The first key an object in the JSON text repeats (the text is JSON). */
export function repeatedJsonKey(text: string): string | undefined {
  const keys: { repeated?: string } = {};
  scanJson(text, 0, keys);
  return keys.repeated;
}

/** Whether the text is one JSON object or array (the cheap look at its first character first). */
export function isJsonCollection(text: string): boolean {
  let p = 0;
  while (
    p < text.length &&
    (text.charCodeAt(p) === 32 || text.charCodeAt(p) === 10 || text.charCodeAt(p) === 13 || text.charCodeAt(p) === 9)
  )
    p++;
  const c = text.charCodeAt(p);
  if (c !== 123 && c !== 91) return false;
  try {
    scanJson(text, 0);
    return true;
  } catch (e) {
    if (e instanceof NotJson) return false;
    throw e;
  }
}

/** How JSON text is laid out: `unit` per level after `lead` on each new line, or all on one line. */
export interface JsonLayout {
  /** Indentation per level; undefined: everything on one line. */
  unit?: string;
  /** Whitespace before the value's first line, and the base of its other lines. */
  lead: string;
  /** After `:` and `,` on one line: a space (Python's json.dumps), or none (JSON.stringify); as after the first key. */
  space: string;
  lineBreak: string;
}

/** The layout of a JSON value's text that sits after `lead` on its first line. */
export function layoutOf(text: string, lead: string, lineBreak: string): JsonLayout {
  const nl = text.indexOf('\n');
  if (nl === -1) return { lead, space: /^\{\s*"(?:[^"\\]|\\.)*"\s*: /.test(text) ? ' ' : '', lineBreak };
  let end = nl + 1;
  while (text.charCodeAt(end) === 32 || text.charCodeAt(end) === 9) end++;
  const indentation = text.slice(nl + 1, end);
  const unit = indentation.startsWith(lead) && indentation.length > lead.length ? indentation.slice(lead.length) : '  ';
  return { unit, lead, space: ' ', lineBreak };
}

/** `value` as JSON text at `depth` levels below the layout's lead (its first line not indented). */
export function stringifyJson(value: unknown, layout: JsonLayout, depth = 0): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'null';
  const parts = Array.isArray(value)
    ? value.map((v) => stringifyJson(v, layout, depth + 1))
    : Object.entries(value)
        .filter(([, member]) => member !== undefined)
        .map(
          ([k, member]) =>
            `${JSON.stringify(k)}:${layout.unit === undefined ? layout.space : ' '}${stringifyJson(member, layout, depth + 1)}`,
        );
  return wrap(parts, Array.isArray(value), layout, depth);
}

/** Members (already written) in brackets, on one line or one per line. */
function wrap(parts: readonly string[], array: boolean, layout: JsonLayout, depth: number): string {
  const [open, close] = array ? ['[', ']'] : ['{', '}'];
  if (parts.length === 0) return open + close;
  if (layout.unit === undefined) return open + parts.join(',' + layout.space) + close;
  const inner = layout.lineBreak + layout.lead + layout.unit.repeat(depth + 1);
  return open + inner + parts.join(',' + inner) + layout.lineBreak + layout.lead + layout.unit.repeat(depth) + close;
}

/**
 * The JSON text of a changed item: every part whose data did not change keeps its text (numbers
 * as written, too: `1.0` and integers beyond 2^53 mean more to Go than to JavaScript); changed and
 * new parts are written in the item's layout. Sequences of named maps (containers, volumes, env)
 * are matched by name, others by position, as the YAML text edit does.
 */
export function rewriteJson(text: string, layout: JsonLayout, old: unknown, next: unknown): string {
  const root = scanJson(text, Number.POSITIVE_INFINITY);
  return write(text, root, old, next, layout, 0);
}

function write(text: string, span: JsonSpan | undefined, old: unknown, next: unknown, layout: JsonLayout, depth: number): string {
  if (span !== undefined && deepEqual(old, next)) return text.slice(span.start, span.end);
  if (span?.entries && isPlainObject(old) && isPlainObject(next) && !repeatsKey(span.entries)) {
    const parts: string[] = [];
    const separator = layout.unit === undefined ? layout.space : ' ';
    // In the data's order: the members the text has come in the text's order (the data was read
    // from it), and a new one goes where the injection put it, as the YAML text edit places keys.
    const written = new Map(span.entries.map((e) => [e.key, e]));
    for (const key of Object.keys(next)) {
      if (next[key] === undefined) continue;
      const e = written.get(key);
      parts.push(
        e
          ? `${e.keyText}:${separator}${write(text, e.value, old[e.key], next[key], layout, depth + 1)}`
          : `${JSON.stringify(key)}:${separator}${stringifyJson(next[key], layout, depth + 1)}`,
      );
    }
    return wrap(parts, false, layout, depth);
  }
  if (span?.elements && Array.isArray(old) && Array.isArray(next) && span.elements.length === old.length) {
    const elements = span.elements;
    const nameOf = (v: unknown) => (isPlainObject(v) && typeof v.name === 'string' ? v.name : undefined);
    const used = new Array<boolean>(old.length).fill(false);
    const parts = next.map((v, i) => {
      const name = nameOf(v);
      let match = -1;
      if (name !== undefined) match = old.findIndex((o, j) => !used[j] && nameOf(o) === name);
      else if (i < old.length && nameOf(old[i]) === undefined && !used[i]) match = i;
      if (match === -1) return stringifyJson(v, layout, depth + 1);
      used[match] = true;
      return write(text, elements[match], old[match], v, layout, depth + 1);
    });
    return wrap(parts, true, layout, depth);
  }
  return stringifyJson(next, layout, depth);
}

function repeatsKey(entries: readonly JsonEntry[]): boolean {
  return new Set(entries.map((e) => e.key)).size !== entries.length;
}
