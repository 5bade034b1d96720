// RFC 7386 JSON merge patch, reproducing github.com/evanphx/json-patch v5.6.0 `MergePatch`
// byte for byte as Kruise's patchPodMetadata (MergePatchJson) stores it in a pod annotation.
//
// evanphx decodes every value lazily (a json.RawMessage per node) and only turns a node into a
// map or slice when the merge has to look inside it. That drives the output bytes:
// - a node that was looked inside is re-encoded by encoding/json: objects with keys sorted by
//   byte order, keys re-escaped the Go way;
// - a node that was never looked inside keeps its original text, only compacted and HTML-escaped
//   (numbers such as 1.0, 1e3 or 12345678901234567890 and string escapes survive untouched).

import { byteOrder } from '../util/go-string-order.js';

export type MergePatchResult = { ok: true; value: string } | { ok: false; error: string };

export const INVALID_DOCUMENT = 'Invalid JSON Document';
export const INVALID_PATCH = 'Invalid JSON Patch';

/** encoding/json's scanner limit; deeper input is a syntax error in Go. */
const MAX_NESTING_DEPTH = 10000;

/** A validated JSON text and, for every index where a string, object or array starts, its end. */
interface Source {
  text: string;
  endOf: Int32Array;
}

type Member = LazyNode | null; // null = a JSON null member/element (a nil *lazyNode in Go)

/** One value: the text span [start, end) of its source, decoded on demand (evanphx's lazyNode). */
class LazyNode {
  doc?: Map<string, Member>;
  ary?: Member[];
  constructor(
    readonly source: Source,
    readonly start: number,
    readonly end: number,
  ) {}

  get first(): string {
    return this.source.text[this.start];
  }

  get raw(): string {
    return this.source.text.slice(this.start, this.end);
  }
}

export function jsonMergePatch(existing: string, patch: string): MergePatchResult {
  // Go checks both syntax errors before either `null`, so the order of these tests matters.
  const docNode = parseTop(existing);
  if (!docNode) return { ok: false, error: INVALID_DOCUMENT };
  const patchNode = parseTop(patch);
  if (!patchNode) return { ok: false, error: INVALID_PATCH };
  if (docNode.raw === 'null') return { ok: false, error: INVALID_DOCUMENT };
  if (patchNode.raw === 'null') return { ok: false, error: INVALID_PATCH };

  const doc = intoDoc(docNode);
  const patchDoc = intoDoc(patchNode);
  if (doc && patchDoc) {
    mergeDocs(doc, patchDoc);
    return { ok: true, value: marshal(docNode) };
  }
  // Either side is not an object: the patch replaces the document (a scalar patch cannot).
  if (!patchDoc && !intoAry(patchNode)) return { ok: false, error: INVALID_PATCH };
  pruneNulls(patchNode);
  return { ok: true, value: marshal(patchNode) };
}

// ---- merge (evanphx merge.go, mergeMerge = false) ----
// Go recurses; these walk explicit work lists so that deep (but valid) input cannot exhaust the
// JS stack. Each work item touches its own maps, so the processing order does not matter.

function mergeDocs(doc: Map<string, Member>, patch: Map<string, Member>): void {
  const work: Array<[Map<string, Member>, Map<string, Member>]> = [[doc, patch]];
  for (let item = work.pop(); item; item = work.pop()) {
    const [target, source] = item;
    for (const [key, value] of source) {
      if (value === null) {
        target.delete(key);
        continue;
      }
      const current = target.get(key);
      const currentDoc = current ? intoDoc(current) : undefined;
      if (!currentDoc) {
        // Absent, null or not an object: the patch value replaces it, nulls pruned.
        pruneNulls(value);
        target.set(key, value);
        continue;
      }
      const valueDoc = intoDoc(value);
      // Quirk kept from evanphx: a non-object patch over an object is taken as is, nulls not pruned.
      if (valueDoc) work.push([currentDoc, valueDoc]);
      else target.set(key, value);
    }
  }
}

/** Removes null object members at every depth; null array elements stay. */
function pruneNulls(node: LazyNode): void {
  const work = [node];
  for (let item = work.pop(); item; item = work.pop()) {
    const doc = intoDoc(item);
    if (doc) {
      for (const [key, value] of doc) {
        if (value === null) doc.delete(key);
        else work.push(value);
      }
      continue;
    }
    for (const element of intoAry(item) ?? []) if (element !== null) work.push(element);
  }
}

// ---- lazy decoding of a validated value ----

function intoDoc(node: LazyNode): Map<string, Member> | undefined {
  if (node.doc) return node.doc;
  if (node.ary || node.first !== '{') return undefined;
  const doc = new Map<string, Member>();
  const { text, endOf } = node.source;
  let i = skipWhitespace(text, node.start + 1);
  while (text[i] !== '}') {
    const key = decodeKey(text.slice(i, endOf[i]));
    i = skipWhitespace(text, skipWhitespace(text, endOf[i]) + 1); // past ':'
    const valueEnd = valueEndAt(node.source, i);
    doc.set(key, memberAt(node.source, i, valueEnd)); // duplicate keys: the last one wins, as in Go
    i = skipWhitespace(text, valueEnd);
    if (text[i] === ',') i = skipWhitespace(text, i + 1);
  }
  node.doc = doc;
  return doc;
}

function intoAry(node: LazyNode): Member[] | undefined {
  if (node.ary) return node.ary;
  if (node.doc || node.first !== '[') return undefined;
  const ary: Member[] = [];
  const { text } = node.source;
  let i = skipWhitespace(text, node.start + 1);
  while (text[i] !== ']') {
    const valueEnd = valueEndAt(node.source, i);
    ary.push(memberAt(node.source, i, valueEnd));
    i = skipWhitespace(text, valueEnd);
    if (text[i] === ',') i = skipWhitespace(text, i + 1);
  }
  node.ary = ary;
  return ary;
}

function memberAt(source: Source, start: number, end: number): Member {
  return source.text.startsWith('null', start) ? null : new LazyNode(source, start, end);
}

function valueEndAt(source: Source, start: number): number {
  if (source.endOf[start] > 0) return source.endOf[start];
  let i = start; // number or literal
  while (i < source.text.length && !SCALAR_TERMINATORS.has(source.text[i])) i++;
  return i;
}

const SCALAR_TERMINATORS = new Set([',', '}', ']', ' ', '\t', '\n', '\r']);

/** Go decodes keys into Go strings, where an unpaired surrogate escape becomes U+FFFD. */
function decodeKey(quoted: string): string {
  return (JSON.parse(quoted) as string).replace(LONE_SURROGATE, '\uFFFD');
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function isJsonWhitespace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

function skipWhitespace(text: string, i: number): number {
  while (isJsonWhitespace(text[i])) i++;
  return i;
}

// ---- encoding (encoding/json Marshal with HTML escaping) ----

function marshal(root: Member): string {
  // Explicit stack of pending output: literal text or a node still to encode.
  const pending: Array<string | Member> = [root];
  let out = '';
  while (pending.length > 0) {
    const item = pending.pop()!;
    if (typeof item === 'string') out += item;
    else if (item === null) out += 'null';
    else if (item.doc) {
      const doc = item.doc;
      const keys = [...doc.keys()].sort(byteOrder);
      pending.push('}');
      for (let i = keys.length - 1; i >= 0; i--) {
        pending.push(doc.get(keys[i])!, `${i === 0 ? '' : ','}${encodeGoString(keys[i])}:`);
      }
      pending.push('{');
    } else if (item.ary) {
      const ary = item.ary;
      pending.push(']');
      for (let i = ary.length - 1; i >= 0; i--) pending.push(ary[i], i === 0 ? '' : ',');
      pending.push('[');
    } else out += compactAndEscape(item.raw);
  }
  return out;
}

const HTML_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/** Go ≥ 1.22 writes \b and \f by name too. */
const SHORT_ESCAPES: Record<string, string> = {
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '"': '\\"',
  '\\': '\\\\',
};

function encodeGoString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.charCodeAt(0);
    if (SHORT_ESCAPES[ch]) out += SHORT_ESCAPES[ch];
    else if (HTML_ESCAPES[ch]) out += HTML_ESCAPES[ch];
    else if (code < 0x20) out += `\\u00${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + '"';
}

/** json.Compact with HTML escaping, as encoding/json applies to a RawMessage. */
function compactAndEscape(raw: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (inString) {
      if (c === '\\') {
        out += c + raw[++i];
        continue;
      }
      if (c === '"') inString = false;
      out += HTML_ESCAPES[c] ?? c;
    } else if (!isJsonWhitespace(c)) {
      if (c === '"') inString = true;
      out += c;
    }
  }
  return out;
}

// ---- validation (encoding/json's scanner: RFC 8259, depth limit) ----

/** The top-level value of `text`, or undefined when Go would report a syntax error. */
function parseTop(text: string): LazyNode | undefined {
  const endOf = new Int32Array(text.length);
  if (!scanDocument(text, endOf)) return undefined;
  let end = text.length;
  while (isJsonWhitespace(text[end - 1])) end--;
  return new LazyNode({ text, endOf }, skipWhitespace(text, 0), end);
}

/** Validates the whole text, recording in endOf where each string, object and array ends. */
function scanDocument(text: string, endOf: Int32Array): boolean {
  const openAt: number[] = [];
  let i = skipWhitespace(text, 0);
  for (;;) {
    // A value starts at i.
    const c = text[i];
    if (c === '{' || c === '[') {
      openAt.push(i);
      if (openAt.length > MAX_NESTING_DEPTH) return false;
      i = skipWhitespace(text, i + 1);
      if (text[i] !== (c === '{' ? '}' : ']')) {
        if (c === '{') i = memberValueAt(text, i, endOf);
        if (i < 0) return false;
        continue;
      }
      endOf[openAt.pop()!] = ++i;
    } else {
      i = scalarEnd(text, i, endOf);
      if (i < 0) return false;
    }
    // A value ended just before i: close containers, or move on to the next element.
    for (;;) {
      i = skipWhitespace(text, i);
      if (openAt.length === 0) return i === text.length;
      const open = text[openAt[openAt.length - 1]];
      if (text[i] === ',') {
        i = skipWhitespace(text, i + 1);
        if (open === '{') i = memberValueAt(text, i, endOf);
        if (i < 0) return false;
        break;
      }
      if (text[i] !== (open === '{' ? '}' : ']')) return false;
      endOf[openAt.pop()!] = ++i;
    }
  }
}

/** Validates `"key" :` at i; returns where the member value starts, or -1. */
function memberValueAt(text: string, i: number, endOf: Int32Array): number {
  if (text[i] !== '"') return -1;
  const end = stringEnd(text, i, endOf);
  if (end < 0) return -1;
  const colon = skipWhitespace(text, end);
  if (text[colon] !== ':') return -1;
  return skipWhitespace(text, colon + 1);
}

function scalarEnd(text: string, i: number, endOf: Int32Array): number {
  const c = text[i];
  if (c === '"') return stringEnd(text, i, endOf);
  if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    return m ? i + m[0].length : -1;
  }
  for (const literal of ['true', 'false', 'null']) {
    if (text.startsWith(literal, i)) return i + literal.length;
  }
  return -1;
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const SIMPLE_ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const HEX4 = /^[0-9a-fA-F]{4}$/;

function stringEnd(text: string, start: number, endOf: Int32Array): number {
  let i = start + 1;
  for (;;) {
    if (i >= text.length) return -1;
    const c = text[i];
    if (c === '"') return (endOf[start] = i + 1);
    if (c === '\\') {
      const escaped = text[i + 1];
      if (escaped === 'u') {
        if (!HEX4.test(text.slice(i + 2, i + 6))) return -1;
        i += 6;
      } else if (escaped !== undefined && SIMPLE_ESCAPES.has(escaped)) {
        i += 2;
      } else {
        return -1;
      }
      continue;
    }
    if (c.charCodeAt(0) < 0x20) return -1;
    i++;
  }
}
