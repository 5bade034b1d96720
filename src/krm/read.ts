// Read a ResourceList without building one Document for the whole list: find each item's exact
// source text with a line scan (kpt and kustomize emit block-style items at a fixed indentation),
// parse items one at a time, and fall back to a real parser for any other layout.
import { WRITE_SCHEMA } from './quoting.js';
import { parseAllDocuments, parseDocument, isMap, isScalar, isSeq, Document } from 'yaml';
import type { Node as YamlNode, YAMLMap, YAMLSeq } from 'yaml';
import { load as fastLoad, CORE_SCHEMA, YAMLException } from 'js-yaml';
import { hasOtherLineBreak, isJsSpace, pad } from './chars.js';
import { toYaml } from './emit.js';
import { deepEqual, isPlainObject } from '../util/json.js';
import { NotJson, repeatedJsonKey, scanJson, type JsonSpan } from './json.js';
import { mayHaveMergeKey, mergeKeyProblem, writeMergeKeysPlain, type MergeKeyProblem } from './merge-keys.js';

export interface SourceItem {
  /** The item's text as it came in: its `-` line and every line up to the next item. */
  raw: string;
  /** Column of the item's `-` marker. */
  indent: number;
  /**
   * Plain data, when already parsed (the fallback parser does all items at once). Otherwise
   * `parseItem` parses it when needed, so that a large list is never held as data all at once.
   */
  parsed?: ParsedItem;
  /** Set for an item of a JSON list: `raw` is its JSON value, from its first character on. */
  json?: JsonItem;
}

export interface JsonItem {
  /** Whitespace before the value on its line in the output, and the base of its other lines. */
  lead: string;
  /** Its top-level `kind`, when it has exactly one and that is a string. */
  kind?: string;
}

export interface ParsedItem {
  object: unknown;
  /** Set when a mapping of the item repeats a key: which one, and where (the last value is used). */
  duplicateKey?: string;
  /**
   * Set when kubectl could not read the item's merge keys: what is wrong, and where. `object` is then
   * the item read without merging, for naming it.
   */
  mergeKeyError?: MergeKeyProblem;
}

/** An item the fast path cut out but that does not parse on its own: the whole list needs the full parser. */
export class NeedsFullParse extends Error {}

export function parseItem(item: SourceItem): ParsedItem {
  if (item.parsed) return item.parsed;
  if (item.json) return parseJsonItem(item.raw);
  let parsed = parseInPlace(item.raw);
  if (parsed === undefined) {
    // CRLF reads as LF (the YAML parsers normalise line breaks), and the line code sees LF only.
    const raw = item.raw.includes('\r\n') ? item.raw.replace(/\r\n/g, '\n') : item.raw;
    parsed = (raw === item.raw ? undefined : parseInPlace(raw)) ?? parseItemText(dedentItem(raw, item.indent));
  }
  if (parsed === undefined) throw new NeedsFullParse();
  return parsed;
}

/**
 * The item parsed where it stands, as a sequence of one, which spares a dedented copy of its text.
 * Only where that reads the same as the dedented text: no line that dedenting could turn into a
 * document marker, no line break but \n, plain js-yaml; anything else (errors too) is undefined,
 * and the dedented text is parsed as before.
 */
function parseInPlace(raw: string): ParsedItem | undefined {
  if (raw.includes('---') || raw.includes('...') || hasOtherLineBreak(raw) || mayNeedFullParser(raw) || mayHaveMergeKey(raw))
    return undefined;
  try {
    const list = fastLoad(raw, { schema: CORE_SCHEMA });
    return Array.isArray(list) && list.length === 1 ? { object: list[0] ?? null } : undefined;
  } catch {
    return undefined;
  }
}

/** The item's `kind`, read off its text without parsing it; undefined when that is not certain. */
export function sniffKind(item: SourceItem): string | undefined {
  if (item.json) return item.json.kind;
  if (item.parsed)
    return isPlainObject(item.parsed.object) && typeof item.parsed.object.kind === 'string' ? item.parsed.object.kind : undefined;
  // Exactly one line `kind: X` at the item's top level (in a block scalar too, which makes it uncertain).
  const { raw, indent } = item;
  let kind: string | undefined;
  for (let at = raw.indexOf('kind:'); at !== -1; at = raw.indexOf('kind:', at + 5)) {
    if (!atItemTopLevel(raw, at, indent)) continue;
    KIND_VALUE.lastIndex = at;
    const m = KIND_VALUE.exec(raw);
    if (!m) continue;
    if (kind !== undefined) return undefined;
    kind = m[2];
  }
  return kind;
}

const KIND_VALUE = /kind:[ \t]*(["']?)([A-Za-z][A-Za-z0-9]*)\1[ \t]*(?:#.*)?$/my;

/** `at` starts a line after `indent + 2` spaces, or `indent` spaces and `- `. */
function atItemTopLevel(text: string, at: number, indent: number): boolean {
  const start = at - indent - 2;
  if (start < 0 || (start > 0 && !isLineBreak(text.charCodeAt(start - 1)))) return false;
  for (let p = start; p < at - 2; p++) if (text.charCodeAt(p) !== 32) return false;
  const a = text.charCodeAt(at - 2);
  return (a === 32 || a === 45) /* - */ && text.charCodeAt(at - 1) === 32;
}

/** Where a regular expression's `^` (with the `m` flag) can match after. */
const isLineBreak = (c: number) => c === 10 || c === 13 || c === 0x2028 || c === 0x2029;

export interface ResourceListInput {
  apiVersion: string;
  kind: string;
  items: SourceItem[];
  /** Absent when the input has no functionConfig key (kpt render without config). */
  functionConfig?: unknown;
  hasFunctionConfig: boolean;
  /** The functionConfig key and value as written, echoed back so that the output can be run again. */
  functionConfigText?: string;
  /** Indentation of `-` markers for items the function writes from scratch. */
  itemIndent: number;
  /** The input's line break (of its first line): the output's lines end with it. */
  lineBreak: LineBreak;
  /** Set when the list came as JSON: it is written back as JSON. */
  json?: JsonListLayout;
}

export type LineBreak = '\n' | '\r\n';

export interface JsonListLayout {
  /** Indentation per level of the list's own lines; undefined when the list is on one line. */
  unit?: string;
}

/** Input that is not a ResourceList at all: reported on stderr, since no items can be echoed. */
export class InputError extends Error {}

/** Alias expansion is bounded by its size instead (expandsWithinBudget). */
export const PARSE_OPTIONS = { uniqueKeys: true, maxAliasCount: -1, prettyErrors: true, logLevel: 'error' } as const;

const RESOURCE_LIST_VERSIONS = new Set(['config.kubernetes.io/v1', 'config.kubernetes.io/v1beta1', 'config.kubernetes.io/v1alpha1']);

/** @param full skip the fast path (when it cut out an item that does not parse on its own) */
export function readResourceList(input: string, full = false): ResourceListInput {
  const withoutBom = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  if (withoutBom.trim() === '') throw new InputError('no input: expected a ResourceList on stdin');
  const { text, lineBreak } = lineBreaks(withoutBom);
  return (
    readJsonResourceList(text, lineBreak) ??
    (full ? undefined : scanBlockResourceList(text, lineBreak)) ??
    parseWholeResourceList(text, lineBreak)
  );
}

/**
 * CRLF stays in the text, so that items are echoed byte for byte; the output's own lines end like
 * the input's first line. A CR on its own (old Mac files) becomes LF, CRLF with it: the line scan
 * splits lines at LF only.
 */
export function lineBreaks(text: string): { text: string; lineBreak: LineBreak } {
  if (!text.includes('\r')) return { text, lineBreak: '\n' };
  if (/\r(?!\n)/.test(text)) return { text: text.replace(/\r\n?/g, '\n'), lineBreak: '\n' };
  const firstBreak = text.indexOf('\n');
  return { text, lineBreak: firstBreak > 0 && text.charCodeAt(firstBreak - 1) === 13 ? '\r\n' : '\n' };
}

function checkHeader(apiVersion: unknown, kind: unknown): { apiVersion: string; kind: string } {
  if (kind !== 'ResourceList') {
    throw new InputError(`input is not a ResourceList (kind: ${kind === undefined ? 'missing' : JSON.stringify(kind)})`);
  }
  if (typeof apiVersion !== 'string' || !RESOURCE_LIST_VERSIONS.has(apiVersion)) {
    throw new InputError(
      `unsupported ResourceList apiVersion ${JSON.stringify(apiVersion)}; expected one of ${[...RESOURCE_LIST_VERSIONS].join(', ')}`,
    );
  }
  return { apiVersion, kind };
}

// ---------------------------------------------------------------------------------------------
// Fast path: block-style ResourceList as kpt, kustomize and this function write it.

const TOP_LEVEL_KEY = /^([A-Za-z][A-Za-z0-9_]*):(?:[ \t]|$)/;

/** Offset just past the line at `start`: past its newline, or the text's end. */
export function nextLine(text: string, start: number): number {
  const nl = text.indexOf('\n', start);
  return nl === -1 ? text.length : nl + 1;
}

/** The lines in [from, to) (offsets of line starts) as one string ending in a line break. */
function sliceLines(text: string, from: number, to: number, lineBreak: LineBreak): string {
  if (from >= to) return '';
  const part = text.slice(from, to);
  return part.endsWith('\n') ? part : part + lineBreak;
}

/** Spaces at the start of the line at `start`. */
function lineIndent(text: string, start: number): number {
  let p = start;
  while (text.charCodeAt(p) === 32) p++;
  return p - start;
}

/** Blank, or a comment, once the line's first `lead` spaces are skipped. */
function blankOrCommentAfter(text: string, start: number, lead: number): boolean {
  const c = start + lead < text.length ? text.charCodeAt(start + lead) : 10;
  return c === 10 || c === 35 || c === 13 || c === 9;
}

/** Space, tab, a line break or the end: what makes `---` or `...` at a line's start a document marker. */
const endsMarker = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || Number.isNaN(c);

/** A `---` or `...` line at `start`. */
export function isMarkerLine(text: string, start: number): boolean {
  return (text.startsWith('---', start) || text.startsWith('...', start)) && endsMarker(text.charCodeAt(start + 3));
}

/** Nothing from `from` to the line's end but spaces, tabs and a comment. */
export function blankOrCommentFrom(text: string, from: number): boolean {
  let p = from;
  while (text.charCodeAt(p) === 32 || text.charCodeAt(p) === 9) p++;
  const c = text.charCodeAt(p);
  return c === 10 || c === 13 || c === 35 || Number.isNaN(c);
}

/** From `start` on, only empty documents: marker, blank and comment lines (which every reader skips). */
function onlyEmptyDocuments(text: string, start: number): boolean {
  for (let s = start; s < text.length; s = nextLine(text, s)) {
    if (!blankOrCommentFrom(text, isMarkerLine(text, s) ? s + 3 : s)) return false;
  }
  return true;
}

/**
 * One pass over the lines, as offsets (a 50 MB list has a million lines; items are sliced out of
 * the input whole, which V8 keeps as views of it). Top-level keys sit at column 0; in the items,
 * a line needs a look at its first few characters only: whether its indentation reaches the
 * items' `-`. Document markers are read here too: a `---` before the first content line starts
 * the document, and the next `---` or `...` ends it, when only empty documents follow.
 */
/** Where a block ResourceList's parts are: its document, its `items:` line, each item's first line. */
interface BlockLayout {
  docStart: number;
  docEnd: number;
  itemsLine: number;
  /** The line after `items:`, and the first line after the items (the document's end if none). */
  itemsStart: number;
  itemsEnd: number;
  functionConfigLine: number;
  /** The items' indentation, -1 when there is no item. */
  indent: number;
  starts: number[];
}

/** The line scan itself; undefined for a layout it does not handle. */
function scanBlockLayout(text: string): BlockLayout | undefined {
  let docStart = 0;
  let docEnd = text.length;
  let sawContent = false;
  let itemsLine = -1;
  let itemsStart = -1;
  let itemsEnd = -1;
  let inlineItems = false;
  let functionConfigLine = -1;
  let indent = -1;
  const starts: number[] = [];
  for (let s = 0; s < text.length;) {
    const next = nextLine(text, s);
    const c = text.charCodeAt(s);
    if ((c === 45 /* - */ || c === 46) /* . */ && isMarkerLine(text, s)) {
      if (!blankOrCommentFrom(text, s + 3)) return undefined;
      if (!sawContent && c === 45) {
        docStart = next;
        s = next;
        continue;
      }
      if (!sawContent || !onlyEmptyDocuments(text, next)) return undefined;
      docEnd = s;
      break;
    }
    if (!sawContent) sawContent = !blankOrCommentFrom(text, s);
    if (!(c === 32 || c === 10 || c === 13 || c === 35 || c === 45)) {
      let lineEnd = text.charCodeAt(next - 1) === 10 ? next - 1 : next;
      if (text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
      const line = text.slice(s, lineEnd);
      if (line.startsWith('%') || line.startsWith('...')) return undefined;
      const key = TOP_LEVEL_KEY.exec(line);
      if (key) {
        if (key[1] === 'items') {
          if (itemsStart !== -1) return undefined;
          const rest = line
            .slice(line.indexOf(':') + 1)
            .replace(/\s+#.*$/, '')
            .trim();
          if (rest === '[]') inlineItems = true;
          else if (rest !== '') return undefined;
          itemsLine = s;
          itemsStart = next;
        } else {
          if (key[1] === 'functionConfig') functionConfigLine = s;
          if (itemsStart !== -1 && itemsEnd === -1) itemsEnd = s;
        }
        s = next;
        continue;
      }
    }
    if (itemsStart !== -1 && itemsEnd === -1 && !inlineItems) {
      // Indented past the items' `-`: nothing to check (content, blank or comment alike).
      let deeper = indent !== -1;
      for (let p = s; deeper && p <= s + indent; p++) deeper = text.charCodeAt(p) === 32;
      if (!deeper) {
        const lead = lineIndent(text, s);
        if (!blankOrCommentAfter(text, s, lead)) {
          if (indent === -1) indent = lead;
          if (lead < indent || !isItemStart(text, s + lead)) return undefined;
          starts.push(s);
        }
      }
    }
    s = next;
  }
  if (itemsStart === -1) return undefined;
  return { docStart, docEnd, itemsLine, itemsStart, itemsEnd: itemsEnd === -1 ? docEnd : itemsEnd, functionConfigLine, indent, starts };
}

function scanBlockResourceList(text: string, lineBreak: LineBreak): ResourceListInput | undefined {
  const layout = scanBlockLayout(text);
  if (layout === undefined) return undefined;
  const { docStart, docEnd, itemsLine, itemsStart, itemsEnd: end, functionConfigLine, indent, starts } = layout;
  const items: SourceItem[] = [];
  for (let k = 0; k < starts.length; k++) {
    // Comment lines before the first item belong to it, so that nothing is lost on output.
    items.push({ raw: sliceLines(text, k === 0 ? itemsStart : starts[k], k + 1 < starts.length ? starts[k + 1] : end, lineBreak), indent });
  }

  // The rest of the list (apiVersion, kind, functionConfig, …) is small: parse it on its own.
  const head = sliceLines(text, docStart, itemsLine, lineBreak) + 'items: []\n' + sliceLines(text, end, docEnd, lineBreak);
  const parsedHead = parseItemText(head);
  if (parsedHead === undefined || parsedHead.duplicateKey || parsedHead.mergeKeyError) return undefined;
  const rest = parsedHead.object;
  if (!isPlainObject(rest)) return undefined;
  const header = checkHeader(rest.apiVersion, rest.kind);
  return {
    ...header,
    items,
    functionConfig: rest.functionConfig,
    hasFunctionConfig: 'functionConfig' in rest,
    functionConfigText: functionConfigLine === -1 ? undefined : topLevelBlock(text, functionConfigLine, docEnd, lineBreak),
    itemIndent: indent === -1 ? 0 : indent,
    lineBreak,
  };
}

/** `-` followed by a space or the line's end. */
function isItemStart(text: string, p: number): boolean {
  if (text.charCodeAt(p) !== 45) return false;
  const next = p + 1 < text.length ? text.charCodeAt(p + 1) : 10;
  return next === 32 || next === 10 || next === 13;
}

/** The lines of the top-level key at `start` and its value (before `limit`), without trailing blank lines. */
function topLevelBlock(text: string, start: number, limit: number, lineBreak: LineBreak): string {
  let end = nextLine(text, start);
  let kept = end;
  while (end < limit) {
    const lead = lineIndent(text, end);
    if (lead === 0 && !blankOrCommentAfter(text, end, 0)) break;
    const next = nextLine(text, end);
    if (text.slice(end, next).trim() !== '') kept = next;
    end = next;
  }
  return sliceLines(text, start, kept, lineBreak);
}

/** Anchors, aliases and tags: the `yaml` parser handles them (and alias expansion is bounded). */
const NEEDS_FULL_PARSER = /(?:^[ \t]*(?:- +)*|: +|[[{,] *)[&*!][^\s,\]}]/m;

/** The characters are found much faster than the pattern, and most items have none of them. */
const mayNeedFullParser = (text: string) =>
  (text.includes('&') || text.includes('*') || text.includes('!')) && NEEDS_FULL_PARSER.test(text);

/**
 * Plain data of one item: js-yaml's core schema (the fastest safe parser), or the `yaml` parser
 * when the item uses anchors, aliases, tags or merge keys. undefined when the item does not parse on its own.
 */
function parseItemText(text: string): ParsedItem | undefined {
  if (!mayNeedFullParser(text) && !mayHaveMergeKey(text)) {
    try {
      return { object: fastLoad(text, { schema: CORE_SCHEMA }) ?? null };
    } catch (e) {
      if (!(e instanceof YAMLException) || !/duplicated mapping key/.test(e.reason)) return undefined;
      const parsed = parseWithYaml(text, false);
      const at = e.mark ? ` at line ${e.mark.line + 1}` : '';
      const key = /^\s*("?)([^":]+)\1\s*:/.exec(text.split('\n')[e.mark?.line ?? 0] ?? '')?.[2];
      return parsed === undefined
        ? undefined
        : { ...parsed, duplicateKey: `${key ? `key ${JSON.stringify(key)}` : 'a key'} repeated${at}` };
    }
  }
  const parsed = parseWithYaml(text, true);
  if (parsed !== undefined) return parsed;
  const lenient = parseWithYaml(text, false);
  return lenient === undefined ? undefined : { ...lenient, duplicateKey: 'a key repeated' };
}

/** Merge keys applied, as kubectl reads them (merge-keys.ts). */
const MERGING_PARSE_OPTIONS = { ...PARSE_OPTIONS, merge: true } as const;

function parseWithYaml(text: string, uniqueKeys: boolean): ParsedItem | undefined {
  try {
    const docs = parseAllDocuments(text, { ...MERGING_PARSE_OPTIONS, uniqueKeys });
    if (!Array.isArray(docs) || docs.length !== 1 || docs[0].errors.length > 0) return undefined;
    const mergeKeyError = mergeKeyProblem(docs[0]);
    // Merge keys kubectl refuses are no keys to apply: the item is read without them, to be named in the error.
    const doc = mergeKeyError === undefined ? docs[0] : parseDocument(text, { ...PARSE_OPTIONS, uniqueKeys });
    const object = doc.toJS({ maxAliasCount: PARSE_OPTIONS.maxAliasCount }) ?? null;
    if (!expandsWithinBudget(object, text)) return undefined;
    return mergeKeyError === undefined ? { object } : { object, mergeKeyError };
  } catch {
    return undefined;
  }
}

/**
 * Aliases give parsed data shared parts, which everything downstream (comparing, copying, writing)
 * walks once per reference: an alias bomb of a few hundred bytes stands for a billion nodes. The
 * data, with every alias written out, may hold as many nodes as the text has characters, or a
 * million, whichever is more; data without aliases holds fewer nodes than its text has characters,
 * so only alias expansion can exceed it. kubectl's reader also bounds the expansion by its size
 * rather than by a count of aliases (gopkg.in/yaml.v3, decode.go: allowedAliasRatio).
 */
export function expandsWithinBudget(value: unknown, text: string): boolean {
  if (!text.includes('*')) return true;
  const budget = Math.max(MIN_EXPANSION_BUDGET, text.length);
  const sizes = new Map<object, number>();
  const size = (v: unknown): number => {
    if (typeof v !== 'object' || v === null) return 1;
    const known = sizes.get(v);
    if (known !== undefined) return known;
    // Data that contains itself (`&a [*a]`) has no size at all.
    sizes.set(v, Number.POSITIVE_INFINITY);
    let n = 1;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      n += size(child);
      if (n > budget) break;
    }
    sizes.set(v, n);
    return n;
  };
  return size(value) <= budget;
}

const MIN_EXPANSION_BUDGET = 1_000_000;

/**
 * An item of a JSON list, read as JSON (JSON.parse: one reading of every value, and no nesting
 * limit below the scan's). A repeated key is reported as in YAML items; the last value counts.
 */
function parseJsonItem(raw: string): ParsedItem {
  const repeated = repeatedJsonKey(raw);
  const object = JSON.parse(raw) as unknown;
  return repeated === undefined ? { object } : { object, duplicateKey: `key ${JSON.stringify(repeated)} repeated` };
}

const dedenters = new Map<number, { marker: RegExp; lines: RegExp }>();

/**
 * The item's text as a standalone YAML document: the `-` marker and the item indentation removed.
 * Lines indented less than the item's content (blank lines, stray comments) lose what they have.
 */
export function dedentItem(raw: string, indent: number): string {
  let re = dedenters.get(indent);
  if (!re) {
    re = { marker: new RegExp(`^( {${indent}})-(?= |$)`, 'm'), lines: new RegExp(`^ {1,${indent + 2}}`, 'gm') };
    dedenters.set(indent, re);
  }
  // A marker alone on its line (`-`, the item starting below) leaves an empty line.
  return compactString(raw.replace(re.marker, '$1 ').replace(re.lines, ''));
}

/**
 * The text in a flat string of its own. V8 holds what a global regular-expression replace returns
 * in a form several times the text's size (measured on the 10,000-workload bench stream: 150 MB
 * for 42 MB of item texts, 43 MB once written out flat): the texts a stream's documents become are
 * kept for the whole run, and written out once here. Joining with a character and slicing it off
 * is what makes V8 write the string out.
 */
export function compactString(text: string): string {
  return (text + ' ').slice(0, -1);
}

/**
 * dedentItem split into lines (without the last newline), or undefined when the text has a line
 * break other than \n (where the regular expressions of dedentItem see lines a split does not).
 */
export function dedentLines(raw: string, indent: number): string[] | undefined {
  if (hasOtherLineBreak(raw)) return undefined;
  const lines: string[] = [];
  const strip = indent + 2;
  let marker = false;
  for (let start = 0; ;) {
    const nl = raw.indexOf('\n', start);
    const end = nl === -1 ? raw.length : nl;
    let p = start;
    while (p < end && p - start < strip && raw.charCodeAt(p) === 32) p++;
    if (!marker && p - start === indent && raw.charCodeAt(p) === 45 && (p + 1 === end || raw.charCodeAt(p + 1) === 32)) {
      // The marker counts as one of the spaces removed.
      marker = true;
      p++;
      while (p < end && p - start < strip && raw.charCodeAt(p) === 32) p++;
    }
    lines.push(raw.slice(p, end));
    if (nl === -1 || nl + 1 === raw.length) return lines;
    start = nl + 1;
  }
}

/** indentItem(lines.join('\n') + '\n', indent), writing the text once. */
export function indentLines(edited: readonly string[], indent: number): string {
  // No lines join to the same text as one empty line.
  const lines = edited.length === 0 ? [''] : edited;
  const inner = pad(indent + 2);
  let head: string;
  let body: string;
  let tail = '';
  if (startsContent(lines[0]) && !lines.includes('')) {
    // Usually the marker goes on the first line and no line is empty (which stays empty): one join.
    head = pad(indent) + '- ';
    body = lines.join('\n' + inner);
    tail = '\n';
  } else {
    const parts: string[] = [];
    let first = -1;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (first === -1 && startsContent(line)) {
        first = i;
        parts.push(pad(indent), '- ', line, '\n');
      } else if (line === '') parts.push('\n');
      else parts.push(inner, line, '\n');
    }
    head = first === -1 ? pad(indent) + '-\n' : '';
    body = parts.join('');
  }
  // Past a line break other than \n indentItem's expressions see other lines: let them decide.
  // (The body is checked while it is one flat string: a concatenation would be copied for it.)
  return hasOtherLineBreak(body) ? indentItem(lines.join('\n') + '\n', indent) : head + body + tail;
}

/** Spaces or tabs, then anything but whitespace: the line indentItem puts the marker on. */
function startsContent(line: string): boolean {
  let i = 0;
  while (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9) i++;
  return i < line.length && !isJsSpace(line.charCodeAt(i));
}

/** Inverse of dedentItem: a standalone document back into a list item at `indent`. */
export function indentItem(text: string, indent: number): string {
  const body = text.endsWith('\n') ? text : text + '\n';
  const first = /^[ \t]*[^\s]/m.exec(body);
  if (!first) return ' '.repeat(indent) + '-\n' + body.replace(/^(?=.)/gm, ' '.repeat(indent + 2));
  const pad = ' '.repeat(indent + 2);
  const before = body.slice(0, first.index).replace(/^(?=.)/gm, pad);
  const after = body.slice(first.index).replace(/\n(?=.)/g, '\n' + pad);
  return compactString(before + ' '.repeat(indent) + '- ' + after);
}

// ---------------------------------------------------------------------------------------------
// JSON: a ResourceList piped in as JSON. Each item's text is found by a scan that checks the
// JSON as it goes (and records the items' top-level keys, for their kind), and the list is
// written back as JSON (krm/write.ts).

function readJsonResourceList(text: string, lineBreak: LineBreak): ResourceListInput | undefined {
  let first = 0;
  while (isJsSpace(text.charCodeAt(first))) first++;
  if (text.charCodeAt(first) !== 123 /* { */) return undefined;
  let root: JsonSpan;
  try {
    root = scanJson(text, 3);
  } catch (e) {
    // Not JSON after all (comments, single quotes, a syntax error): the YAML parser reads or reports it.
    if (e instanceof NotJson) return undefined;
    throw e;
  }
  const entries = root.entries ?? [];
  if (new Set(entries.map((e) => e.key)).size !== entries.length) return undefined;
  const member = (key: string) => entries.find((e) => e.key === key)?.value;
  const valueOf = (span: JsonSpan | undefined): unknown => (span === undefined ? undefined : JSON.parse(text.slice(span.start, span.end)));
  const header = checkHeader(valueOf(member('apiVersion')), valueOf(member('kind')));
  const items = member('items');
  if (items === undefined || text.startsWith('null', items.start)) throw new InputError('the ResourceList has no items list');
  if (items.elements === undefined) throw new InputError("the ResourceList's items is not a list");
  const unit = jsonIndentUnit(text, root);
  const functionConfig = member('functionConfig');
  return {
    ...header,
    items: items.elements.map((span) => ({
      raw: text.slice(span.start, span.end),
      indent: 0,
      json: { lead: leadOf(text, span.start, unit), kind: jsonKind(text, span) },
    })),
    functionConfig: valueOf(functionConfig),
    hasFunctionConfig: functionConfig !== undefined,
    functionConfigText: functionConfig === undefined ? undefined : text.slice(functionConfig.start, functionConfig.end),
    itemIndent: 0,
    lineBreak,
    json: { unit },
  };
}

/** The whitespace before the list's first key on its own line; undefined when the list is on one line. */
function jsonIndentUnit(text: string, root: JsonSpan): string | undefined {
  const firstKey = root.entries?.[0]?.keyStart;
  if (firstKey === undefined) return undefined;
  let p = firstKey;
  while (p > root.start + 1 && (text.charCodeAt(p - 1) === 32 || text.charCodeAt(p - 1) === 9)) p--;
  return text.charCodeAt(p - 1) === 10 && p < firstKey ? text.slice(p, firstKey) : undefined;
}

/** The whitespace before an item on its line, when nothing else is; else two levels of the list's indentation. */
function leadOf(text: string, start: number, unit: string | undefined): string {
  let p = start;
  while (p > 0 && (text.charCodeAt(p - 1) === 32 || text.charCodeAt(p - 1) === 9)) p--;
  if (p === 0 || text.charCodeAt(p - 1) === 10) return text.slice(p, start);
  return unit === undefined ? '' : unit + unit;
}

/** The item's one top-level `kind`, when it is a string. */
function jsonKind(text: string, span: JsonSpan): string | undefined {
  const kinds = span.entries?.filter((e) => e.key === 'kind') ?? [];
  if (kinds.length !== 1 || text.charCodeAt(kinds[0].value.start) !== 34) return undefined;
  return JSON.parse(text.slice(kinds[0].value.start, kinds[0].value.end)) as string;
}

// ---------------------------------------------------------------------------------------------
// Fallback: any other layout (flow style, odd indentation, directives, an alias to another item).
// Slower: the whole list is one Document. Each item keeps its text where that text read on its
// own gives the same data; the others are written anew (as JSON when nothing else reads the same).

function parseWholeResourceList(text: string, lineBreak: LineBreak): ResourceListInput {
  const docs = parseAllDocuments(text, MERGING_PARSE_OPTIONS);
  const all = Array.isArray(docs) ? docs : [docs];
  // An empty document (a last `---`, perhaps with comments) holds a null scalar of no text: kubectl skips it.
  const nonEmpty = all.filter(
    (d) => d.errors.length > 0 || !(d.contents === null || (isScalar(d.contents) && d.contents.value === null && d.contents.source === '')),
  );
  if (nonEmpty.length === 0) throw new InputError('no input: expected a ResourceList on stdin');
  if (nonEmpty.length > 1) {
    throw new InputError(`input has ${nonEmpty.length} YAML documents; expected exactly one ResourceList`);
  }
  const doc = nonEmpty[0];
  if (doc.errors.length > 0) throw new InputError(`input is not valid YAML or JSON: ${firstLine(doc.errors[0].message)}`);
  const root = doc.contents;
  if (!isMap(root)) throw new InputError('input is not a ResourceList (not a mapping)');
  const mergeKeyError = mergeKeyProblem(doc);
  if (mergeKeyError !== undefined) throw new InputError(`input cannot be read: ${mergeKeyError.field}: ${mergeKeyError.message}`);
  let plain: Record<string, unknown>;
  try {
    plain = doc.toJS({ maxAliasCount: PARSE_OPTIONS.maxAliasCount }) as Record<string, unknown>;
  } catch (e) {
    // An alias the data cannot hold ends here.
    throw new InputError(`input cannot be read: ${firstLine((e as Error).message)}`);
  }
  let bounded: boolean;
  try {
    bounded = expandsWithinBudget(plain, text);
  } catch {
    bounded = false;
  }
  if (!bounded) throw new InputError('input cannot be read: its aliases expand to more data than its text could hold (an alias bomb?)');
  const header = checkHeader(plain.apiVersion, plain.kind);
  const itemsNode = root.get('items', true) as YamlNode | undefined;
  if (itemsNode === undefined || itemsNode === null) {
    throw new InputError('the ResourceList has no items list');
  }
  if (!isSeq(itemsNode)) throw new InputError("the ResourceList's items is not a list");
  const itemsPlain = plain.items as unknown[];
  const own = ownItemTexts(text, root, itemsNode, lineBreak);
  const indent = own.find((k) => k !== undefined)?.indent ?? 0;
  const items = itemsNode.items.map((node, i): SourceItem => {
    const data = itemsPlain[i];
    const written = (itemText: string) => ({ raw: withLineBreak(indentItem(itemText, indent), lineBreak), indent });
    // The first text that reads on its own as the item's data: its own, its node written with its
    // comments, its data as JSON (one reading under every reader); the data as the writer writes new
    // nodes at worst.
    const candidates = [() => own[i], () => written(nodeText(node)), () => written(JSON.stringify(data, null, 2) + '\n')];
    for (const candidate of candidates) {
      let item: { raw: string; indent: number } | undefined;
      try {
        item = candidate();
      } catch {
        continue;
      }
      if (item !== undefined && readsAs(item, data)) return { ...item, parsed: { object: data } };
    }
    return { ...written(toYaml(data)), parsed: { object: data } };
  });
  return {
    ...header,
    items,
    functionConfig: plain.functionConfig,
    hasFunctionConfig: 'functionConfig' in plain,
    functionConfigText:
      'functionConfig' in plain
        ? withLineBreak(
            new Document({ functionConfig: plain.functionConfig }, { version: '1.1', ...WRITE_SCHEMA }).toString({ lineWidth: 0 }),
            lineBreak,
          )
        : undefined,
    itemIndent: indent,
    lineBreak,
  };
}

const withLineBreak = (text: string, lineBreak: LineBreak) => (lineBreak === '\n' ? text : text.replace(/\n/g, lineBreak));

/**
 * Each item's own text: a flow item's text after a `- `; a block item's lines from its `-` to the
 * next item's, as the line scan cuts them (the first from the line after `items:`, the last up to
 * the next key).
 */
function ownItemTexts(text: string, root: YAMLMap, seq: YAMLSeq, lineBreak: LineBreak): Array<{ raw: string; indent: number } | undefined> {
  const nodes = seq.items as Array<YamlNode | null>;
  if (seq.flow)
    return nodes.map((node) => (node?.range ? { raw: '- ' + text.slice(node.range[0], node.range[1]) + lineBreak, indent: 0 } : undefined));
  const at = root.items.findIndex((pair) => isScalar(pair.key) && pair.key.value === 'items');
  const keyEnd = (root.items[at]?.key as YamlNode | undefined)?.range?.[1];
  const nextKey = (root.items[at + 1]?.key as YamlNode | undefined)?.range?.[0];
  const starts = nodes.map((node) => (node?.range ? dashLine(text, node.range[0]) : undefined));
  const last = nodes[nodes.length - 1]?.range ?? undefined;
  return starts.map((start, i) => {
    if (start === undefined || (i + 1 < starts.length && starts[i + 1] === undefined) || last === undefined) return undefined;
    const from = i === 0 && keyEnd !== undefined && keyEnd < start.lineStart ? nextLine(text, keyEnd) : start.lineStart;
    const end =
      i + 1 < starts.length
        ? starts[i + 1]!.lineStart
        : nextKey !== undefined && nextKey > last[0]
          ? text.lastIndexOf('\n', nextKey - 1) + 1
          : nextLine(text, Math.max(last[1] - 1, last[0]));
    return { raw: sliceLines(text, from, end, lineBreak), indent: start.indent };
  });
}

/** An item's node of the whole list as a standalone document, its merge keys written as they were. */
function nodeText(node: unknown): string {
  const doc = new Document(node);
  writeMergeKeysPlain(doc);
  return doc.toString({ lineWidth: 0 });
}

/** Whether an item's text, read on its own, is `data` (not so for an alias to another item's anchor). */
function readsAs(item: { raw: string; indent: number }, data: unknown): boolean {
  try {
    return deepEqual(parseItem(item).object, data);
  } catch (e) {
    if (e instanceof NeedsFullParse) return false;
    throw e;
  }
}

/**
 * The line of the `-` before a block sequence item's node at `nodeStart`: the node's own line, or
 * one above it past blank and comment lines (`- # head comment`, then the item).
 */
function dashLine(text: string, nodeStart: number): { lineStart: number; indent: number } | undefined {
  let lineStart = text.lastIndexOf('\n', nodeStart - 1) + 1;
  let marker = /^( *)- +$/.exec(text.slice(lineStart, nodeStart));
  if (marker) return { lineStart, indent: marker[1].length };
  if (!/^ *$/.test(text.slice(lineStart, nodeStart))) return undefined;
  while (lineStart > 0) {
    const end = lineStart - 1;
    lineStart = text.lastIndexOf('\n', end - 1) + 1;
    const line = text.slice(lineStart, end).replace(/\r$/, '');
    marker = /^( *)-(?:[ \t]+#.*|[ \t]*)$/.exec(line);
    if (marker) return { lineStart, indent: marker[1].length };
    if (!/^\s*(?:#.*)?$/.test(line)) return undefined;
  }
  return undefined;
}

function firstLine(message: string): string {
  return message.split('\n')[0];
}
