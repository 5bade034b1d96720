// A null field is an absent field, as Kubernetes reads it: Go's JSON decoding gives a nil map,
// slice or pointer for null (encoding/json, "Unmarshal": "The JSON null value unmarshals into an
// interface, map, pointer, or slice by setting that Go value to nil"), and the apiserver prunes
// the null fields of custom resources (apiextensions-apiserver,
// pkg/apiserver/schema/defaulting/prunenulls.go, PruneNonNullableNullsWithoutDefaults).
// The stages read data with those fields left out; what is written back keeps the nulls the
// injection did not fill, so that their lines stay as they were.

/** Which maps are free-form (a Go map[string]X), given the keys leading to them: their null entries are values. */
export type FreeFormMaps = (path: readonly string[]) => boolean;

const NO_FREE_FORM_MAPS: FreeFormMaps = () => false;

/**
 * `value` without the null entries of its maps, at any depth (list elements stay, null or not).
 * What holds no such entry is returned as it is: without nulls, nothing is copied.
 */
export function withoutNulls<T>(value: T, freeForm: FreeFormMaps = NO_FREE_FORM_MAPS): T {
  return prune(value, false, [], freeForm) as T;
}

function prune(value: unknown, keepNulls: boolean, path: string[], freeForm: FreeFormMaps): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const pruned = prune(value[i], false, path, freeForm);
      if (pruned !== value[i]) (out ??= value.slice())[i] = pruned;
    }
    return out ?? value;
  }
  const map = value as Record<string, unknown>;
  const keys = Object.keys(map);
  let out: Record<string, unknown> | undefined;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const v = map[key];
    let kept = v;
    if (v === null) {
      if (!keepNulls) {
        out ??= copyOfFirst(map, keys, i);
        continue;
      }
    } else if (typeof v === 'object') {
      path.push(key);
      kept = prune(v, !Array.isArray(v) && freeForm(path), path, freeForm);
      path.pop();
    }
    if (out) setOwn(out, key, kept);
    else if (kept !== v) setOwn((out = copyOfFirst(map, keys, i)), key, kept);
  }
  return out ?? map;
}

/**
 * `result`, computed from withoutNulls(source), with the null entries of `source` put back where
 * `result` has no such key: a field the injection did not fill stays written as it was. Lists
 * are paired as the text edit pairs them: named elements by name, the others by position.
 */
export function withNullsOf<T>(source: unknown, result: T): T {
  return restore(source, result) as T;
}

function restore(source: unknown, result: unknown): unknown {
  if (source === result || typeof source !== 'object' || source === null || typeof result !== 'object' || result === null) return result;
  if (Array.isArray(source) !== Array.isArray(result)) return result;
  if (Array.isArray(source)) {
    const list = result as unknown[];
    const used = new Array<boolean>(source.length).fill(false);
    let out: unknown[] | undefined;
    for (let i = 0; i < list.length; i++) {
      const name = nameOf(list[i]);
      const j =
        name !== undefined
          ? source.findIndex((s, k) => !used[k] && nameOf(s) === name)
          : i < source.length && nameOf(source[i]) === undefined && !used[i]
            ? i
            : -1;
      if (j < 0) continue;
      used[j] = true;
      const restored = restore(source[j], list[i]);
      if (restored !== list[i]) (out ??= list.slice())[i] = restored;
    }
    return out ?? result;
  }
  const from = source as Record<string, unknown>;
  const into = result as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  const keys = Object.keys(into);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (!hasOwn(from, key)) continue;
    const restored = restore(from[key], into[key]);
    if (restored !== into[key]) setOwn((out ??= copyOfFirst(into, keys, keys.length)), key, restored);
  }
  for (const key of Object.keys(from)) {
    if (from[key] === null && !hasOwn(into, key)) setOwn((out ??= copyOfFirst(into, keys, keys.length)), key, null);
  }
  return out ?? result;
}

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

function nameOf(v: unknown): string | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { name?: unknown }).name === 'string'
    ? (v as { name: string }).name
    : undefined;
}

function copyOfFirst(map: Record<string, unknown>, keys: readonly string[], count: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) setOwn(out, keys[i], map[keys[i]]);
  return out;
}

/** Assignment to `__proto__` would set the prototype instead of a property. */
function setOwn(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}
