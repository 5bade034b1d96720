// Read a ResourceList without building one Document for the whole list: find each item's exact
// source text with a line scan (kpt and kustomize emit block-style items at a fixed indentation),
// parse items one at a time, and fall back to a real parser for any other layout.
import { parseAllDocuments, isMap, isSeq, isCollection, Document } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import { load as fastLoad, CORE_SCHEMA, YAMLException } from 'js-yaml';

export interface SourceItem {
  /** The item's text as it came in: its `-` line and every line up to the next item. */
  raw: string;
  /** Column of the item's `-` marker. */
  indent: number;
  /** Plain data of the item. */
  object: unknown;
  /** Set when a mapping of the item repeats a key: which one, and where (the last value is used). */
  duplicateKey?: string;
}

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
}

/** Input that is not a ResourceList at all: reported on stderr, since no items can be echoed. */
export class InputError extends Error {}

export const PARSE_OPTIONS = { uniqueKeys: true, maxAliasCount: 100, prettyErrors: true, logLevel: 'error' } as const;

const RESOURCE_LIST_VERSIONS = new Set([
  'config.kubernetes.io/v1',
  'config.kubernetes.io/v1beta1',
  'config.kubernetes.io/v1alpha1',
]);

export function readResourceList(input: string): ResourceListInput {
  const text = normalizeText(input);
  if (text.trim() === '') throw new InputError('no input: expected a ResourceList on stdin');
  return scanBlockResourceList(text) ?? parseWholeResourceList(text);
}

function normalizeText(input: string): string {
  const withoutBom = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  return withoutBom.includes('\r') ? withoutBom.replace(/\r\n?/g, '\n') : withoutBom;
}

function checkHeader(apiVersion: unknown, kind: unknown): { apiVersion: string; kind: string } {
  if (kind !== 'ResourceList') {
    throw new InputError(
      `input is not a ResourceList (kind: ${kind === undefined ? 'missing' : JSON.stringify(kind)})`,
    );
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

function scanBlockResourceList(text: string): ResourceListInput | undefined {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  let itemsStart = -1;
  let itemsEnd = lines.length;
  let inlineItems = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith('%') || line.startsWith('---') || line.startsWith('...')) return undefined;
    const key = TOP_LEVEL_KEY.exec(line);
    if (!key) continue;
    if (key[1] === 'items') {
      if (itemsStart !== -1) return undefined;
      const rest = line.slice(line.indexOf(':') + 1).replace(/\s+#.*$/, '').trim();
      if (rest === '[]') inlineItems = true;
      else if (rest !== '') return undefined;
      itemsStart = i + 1;
      itemsEnd = lines.length;
    } else if (itemsStart !== -1 && itemsEnd === lines.length && i >= itemsStart) {
      itemsEnd = i;
    }
  }
  if (itemsStart === -1) return undefined;

  const items = inlineItems ? { items: [], indent: 0 } : splitItems(lines.slice(itemsStart, itemsEnd));
  if (!items) return undefined;

  // The rest of the list (apiVersion, kind, functionConfig, …) is small: parse it on its own.
  const head = [...lines.slice(0, itemsStart - 1), 'items: []', ...lines.slice(itemsEnd)].join('\n');
  const parsedHead = parseItemText(head);
  if (parsedHead === undefined || parsedHead.duplicateKey) return undefined;
  const rest = parsedHead.object;
  if (!isPlainObject(rest)) return undefined;
  const header = checkHeader(rest.apiVersion, rest.kind);
  return {
    ...header,
    items: items.items,
    functionConfig: rest.functionConfig,
    hasFunctionConfig: 'functionConfig' in rest,
    functionConfigText: topLevelBlock(lines, 'functionConfig'),
    itemIndent: items.indent,
  };
}

/** The lines of one top-level key and its value. */
function topLevelBlock(lines: string[], key: string): string | undefined {
  const start = lines.findIndex((l) => TOP_LEVEL_KEY.exec(l)?.[1] === key);
  if (start === -1) return undefined;
  let end = start + 1;
  while (end < lines.length && !TOP_LEVEL_KEY.test(lines[end]) && !lines[end].startsWith('- ')) end++;
  while (end > start + 1 && lines[end - 1].trim() === '') end--;
  return lines.slice(start, end).join('\n') + '\n';
}

const ITEM_START = /^( *)-(?: |$)/;

function splitItems(lines: string[]): { items: SourceItem[]; indent: number } | undefined {
  let indent = -1;
  const starts: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (isBlankOrComment(line)) continue;
    const lead = leadingSpaces(line);
    if (indent === -1) {
      const m = ITEM_START.exec(line);
      if (!m) return undefined;
      indent = m[1].length;
    }
    if (lead < indent) return undefined;
    if (lead === indent) {
      if (!ITEM_START.test(line)) return undefined;
      starts.push(i);
    }
  }
  if (indent === -1) return { items: [], indent: 0 };
  // Comment lines before the first item belong to it, so that nothing is lost on output.
  const firstStart = 0;
  const items: SourceItem[] = [];
  for (let k = 0; k < starts.length; k++) {
    const from = k === 0 ? firstStart : starts[k];
    const to = k + 1 < starts.length ? starts[k + 1] : lines.length;
    const raw = lines.slice(from, to).join('\n') + '\n';
    const parsed = parseItemText(dedentItem(raw, indent));
    if (parsed === undefined) return undefined;
    items.push({ raw, indent, ...parsed });
  }
  return { items, indent };
}

/** Anchors, aliases and tags: the `yaml` parser handles them (and bounds alias expansion). */
const NEEDS_FULL_PARSER = /(?:^[ \t]*(?:- +)*|: +|[[{,] *)[&*!][^\s,\]}]/m;

/**
 * Plain data of one item: js-yaml's core schema (the fastest safe parser), or the `yaml` parser
 * when the item uses anchors, aliases or tags. undefined when the item does not parse on its own.
 */
function parseItemText(text: string): { object: unknown; duplicateKey?: string } | undefined {
  if (!NEEDS_FULL_PARSER.test(text)) {
    try {
      return { object: fastLoad(text, { schema: CORE_SCHEMA }) ?? null };
    } catch (e) {
      if (!(e instanceof YAMLException) || !/duplicated mapping key/.test(e.reason)) return undefined;
      const object = parseWithYaml(text, false);
      const at = e.mark ? ` at line ${e.mark.line + 1}` : '';
      const key = /^\s*("?)([^":]+)\1\s*:/.exec(text.split('\n')[e.mark?.line ?? 0] ?? '')?.[2];
      return object === undefined ? undefined : { object, duplicateKey: `${key ? `key ${JSON.stringify(key)}` : 'a key'} repeated${at}` };
    }
  }
  const object = parseWithYaml(text, true);
  if (object !== undefined) return { object };
  const lenient = parseWithYaml(text, false);
  return lenient === undefined ? undefined : { object: lenient, duplicateKey: 'a key repeated' };
}

function parseWithYaml(text: string, uniqueKeys: boolean): unknown {
  try {
    const doc = parseAllDocuments(text, { ...PARSE_OPTIONS, uniqueKeys });
    if (!Array.isArray(doc) || doc.length !== 1 || doc[0].errors.length > 0) return undefined;
    return doc[0].toJS({ maxAliasCount: PARSE_OPTIONS.maxAliasCount }) ?? null;
  } catch {
    return undefined;
  }
}

function isBlankOrComment(line: string): boolean {
  const t = line.trimStart();
  return t === '' || t.startsWith('#');
}

function leadingSpaces(line: string): number {
  let n = 0;
  while (n < line.length && line.charCodeAt(n) === 32) n++;
  return n;
}

/**
 * The item's text as a standalone YAML document: the `-` marker and the item indentation removed.
 * Lines indented less than the item's content (blank lines, stray comments) lose what they have.
 */
export function dedentItem(raw: string, indent: number): string {
  const content = indent + 2;
  const lines = raw.endsWith('\n') ? raw.slice(0, -1).split('\n') : raw.split('\n');
  const out: string[] = [];
  let seenMarker = false;
  for (const line of lines) {
    if (!seenMarker && leadingSpaces(line) === indent && ITEM_START.test(line)) {
      seenMarker = true;
      const after = line.slice(indent + 1);
      out.push(after.startsWith(' ') ? ' '.repeat(content) + after.slice(1) : '');
      continue;
    }
    out.push(line);
  }
  return out.map((l) => l.slice(Math.min(content, leadingSpaces(l)))).join('\n') + '\n';
}

/** Inverse of dedentItem: a standalone document back into a list item at `indent`. */
export function indentItem(text: string, indent: number): string {
  const pad = ' '.repeat(indent + 2);
  const lines = (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
  let marked = false;
  const out = lines.map((line) => {
    if (!marked && line.trim() !== '') {
      marked = true;
      return ' '.repeat(indent) + '- ' + line;
    }
    return line === '' ? '' : pad + line;
  });
  if (!marked) out.unshift(' '.repeat(indent) + '-');
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// Fallback: any other layout (JSON, flow style, odd indentation). Slower, and items are re-emitted
// in block style rather than as their exact text.

function parseWholeResourceList(text: string): ResourceListInput {
  const docs = parseAllDocuments(text, PARSE_OPTIONS);
  const all = Array.isArray(docs) ? docs : [docs];
  const nonEmpty = all.filter((d) => d.contents !== null || d.errors.length > 0);
  if (nonEmpty.length === 0) throw new InputError('no input: expected a ResourceList on stdin');
  if (nonEmpty.length > 1) {
    throw new InputError(
      `input has ${nonEmpty.length} YAML documents; expected exactly one ResourceList`,
    );
  }
  const doc = nonEmpty[0];
  if (doc.errors.length > 0) throw new InputError(`input is not valid YAML or JSON: ${doc.errors[0].message}`);
  const root = doc.contents;
  if (!isMap(root)) throw new InputError('input is not a ResourceList (not a mapping)');
  const plain = doc.toJS({ maxAliasCount: PARSE_OPTIONS.maxAliasCount }) as Record<string, unknown>;
  const header = checkHeader(plain.apiVersion, plain.kind);
  const itemsNode = root.get('items', true) as YamlNode | undefined;
  if (itemsNode === undefined || itemsNode === null) {
    throw new InputError('the ResourceList has no items list');
  }
  if (!isSeq(itemsNode)) throw new InputError('the ResourceList\'s items is not a list');
  const itemsPlain = plain.items as unknown[];
  const items = itemsNode.items.map((node, i) => ({
    raw: indentItem(itemText(node as YamlNode, itemsPlain[i]), 0),
    indent: 0,
    object: itemsPlain[i],
  }));
  return {
    ...header,
    items,
    functionConfig: plain.functionConfig,
    hasFunctionConfig: 'functionConfig' in plain,
    functionConfigText:
      'functionConfig' in plain ? new Document({ functionConfig: plain.functionConfig }, { version: '1.1' }).toString({ lineWidth: 0 }) : undefined,
    itemIndent: 0,
  };
}

function itemText(node: YamlNode, plain: unknown): string {
  // Flow (and JSON) items come out in block style; block items keep their comments.
  if (isCollection(node) && !node.flow) return new Document(node).toString({ lineWidth: 0 });
  return new Document(plain, { version: '1.1' }).toString({ lineWidth: 0 });
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
