// YAML 1.1 merge keys (`<<: *defaults`): go-yaml applies them, and so do kubectl, kustomize and kpt,
// which read manifests with it; YAML 1.2's core schema reads `<<` as a key like any other. Items are
// read the way kubectl reads them: through `yaml` with `merge: true`, which parses a plain `<<` key
// as a merge key (a scalar with a symbol for its value) and applies it in toJS; a quoted `"<<"` stays
// a string key, as in go-yaml.
import { isAlias, isMap, isPair, isScalar, isSeq, visit } from 'yaml';
import type { Document, Node as YamlNode, Pair, Scalar } from 'yaml';

/** A `<<` where a key starts, followed by `:` or the line's end (`? <<`). */
const MERGE_KEY_TEXT = /(?:^|[\s,{?])<<[ \t]*(?::(?=\s)|:?$)/m;

/** The text may hold a plain `<<` key: a cheap test, where a false positive costs the slower parser only. */
export const mayHaveMergeKey = (text: string): boolean => text.includes('<<') && MERGE_KEY_TEXT.test(text);

/** A pair whose key is a merge key, as `yaml` parses a plain `<<` with `merge: true`. */
export function isMergePair(pair: unknown): pair is Pair<Scalar, unknown> {
  return isPair(pair) && isScalar(pair.key) && typeof pair.key.value === 'symbol';
}

/** A merge key kubectl refuses to read, and the field it is at. */
export interface MergeKeyProblem {
  field: string;
  message: string;
}

/**
 * Where go-yaml refuses to read the merge keys that `yaml` would apply anyway or quietly differently
 * (gopkg.in/yaml.v3 decode.go: `merge`, "map merge requires map or sequence of maps as the value",
 * which an alias to a sequence also gets; `mapping`, "duplicate merge key"); undefined when nowhere.
 */
export function mergeKeyProblem(doc: Document): MergeKeyProblem | undefined {
  let problem: MergeKeyProblem | undefined;
  const isMapOrAliasToMap = (node: unknown) => isMap(isAlias(node) ? node.resolve(doc) : node);
  visit(doc, {
    Map(_, map, path) {
      const merges = map.items.filter(isMergePair);
      if (merges.length === 0) return undefined;
      const field = fieldPath([...path, map]);
      const value = merges[0].value;
      if (merges.length > 1) problem = { field, message: 'more than one merge key (<<) in one map, which kubectl does not read' };
      else if (isMapOrAliasToMap(value) || (isSeq(value) && value.items.every(isMapOrAliasToMap))) return undefined;
      else {
        const message = 'a merge key (<<) whose value is not a map or a list of maps, which kubectl does not read';
        problem = { field: field === '' ? '<<' : `${field}.<<`, message };
      }
      return visit.BREAK;
    },
  });
  return problem;
}

/** The field path of the last node of `path` (an ancestor chain of visit): `spec.template.metadata`, `containers[0]`. */
function fieldPath(path: readonly unknown[]): string {
  let out = '';
  path.forEach((step, i) => {
    if (isPair(step)) {
      const key = isScalar(step.key) ? step.key.value : step.key;
      out += `${out && '.'}${typeof key === 'symbol' ? key.description : String(key)}`;
    } else if (isSeq(step) && i + 1 < path.length) out += `[${step.items.indexOf(path[i + 1] as YamlNode)}]`;
  });
  return out;
}

/**
 * The merge keys of a node parsed with `merge: true`, made plain `<<` strings again (their `!!merge`
 * tag, as kpt writes them, kept): the schema the function writes with has no merge tag (quoting.ts),
 * and a plain `<<` key written as it was read merges again for every YAML 1.1 reader.
 */
export function writeMergeKeysPlain(node: YamlNode | Document): void {
  visit(node, {
    Pair(_, pair) {
      if (!isMergePair(pair)) return;
      pair.key.value = '<<';
      pair.key.source = '<<';
    },
  });
}
