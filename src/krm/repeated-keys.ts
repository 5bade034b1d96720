// Where an item repeats a mapping key, and whether the repeats agree: kpt and kubectl read such
// an item (the last value wins), and the function injects into it when no repeat lies on what
// the injection reads or writes (run.ts). Only items the reader found a repeated key in get here.
import { parseDocument, isMap, isSeq, isScalar, LineCounter } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import { PARSE_OPTIONS } from './read.js';
import { pointerToPath } from './annotations.js';
import { deepEqual } from '../util/json.js';

export interface RepeatedKey {
  /** Keys and list positions from the item's root to the repeated key (the key last). */
  path: string[];
  /** The same as results write it: `spec.selector`. */
  fieldPath: string;
  /** 1-based lines of each occurrence, in the item's text. */
  lines: number[];
  /** Whether every occurrence holds the same data. */
  sameValue: boolean;
}

/** The repeated keys of an item's standalone text (as from dedentItem); undefined when it does not parse. */
export function repeatedKeys(text: string): RepeatedKey[] | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { ...PARSE_OPTIONS, uniqueKeys: false, lineCounter });
  if (doc.errors.length > 0) return undefined;
  const found: RepeatedKey[] = [];
  try {
    visit(doc, doc.contents as YamlNode | null, [], lineCounter, found);
  } catch {
    // An alias the data cannot hold (PARSE_OPTIONS bounds their expansion).
    return undefined;
  }
  return found;
}

function visit(doc: Document, node: YamlNode | null, path: string[], lines: LineCounter, found: RepeatedKey[]): void {
  if (isSeq(node)) {
    node.items.forEach((item, i) => visit(doc, item as YamlNode | null, [...path, String(i)], lines, found));
    return;
  }
  if (!isMap(node)) return;
  const byKey = new Map<string, Array<{ key: YamlNode; value: YamlNode | null }>>();
  for (const pair of node.items) {
    const key = pair.key as YamlNode;
    if (!isScalar(key)) continue;
    const name = String(key.value);
    const occurrences = byKey.get(name) ?? [];
    occurrences.push({ key, value: pair.value as YamlNode | null });
    byKey.set(name, occurrences);
  }
  for (const [name, occurrences] of byKey) {
    const at = [...path, name];
    if (occurrences.length > 1) {
      const values = occurrences.map((o) => (o.value === null ? null : o.value.toJS(doc, { maxAliasCount: PARSE_OPTIONS.maxAliasCount })));
      found.push({
        path: at,
        fieldPath: pointerToPath(at.map((key) => '/' + key.replace(/~/g, '~0').replace(/\//g, '~1')).join('')),
        lines: occurrences.map((o) => lines.linePos(o.key.range?.[0] ?? 0).line),
        sameValue: values.every((v) => deepEqual(v, values[0])),
      });
    }
    for (const o of occurrences) visit(doc, o.value, at, lines, found);
  }
}
