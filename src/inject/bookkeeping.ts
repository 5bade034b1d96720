// The annotations Kruise keeps on an injected pod (pkg/control/sidecarcontrol/util.go, UpdatePodSidecarSetHash): read what a pod already
// carries,
// write them back in Kruise's exact JSON shapes.
import { goJson } from '../sidecarset/go-json.js';
import { byteOrder } from '../util/go-string-order.js';

/** Stands in for the admission time, which a render has not got (ARCHITECTURE.md). */
export const EPOCH_TIMESTAMP = '1970-01-01T00:00:00Z';

export interface HashEntry {
  updateTimestamp: string | null;
  hash: string;
  sidecarSetName: string;
  sidecarList: string[] | null;
  controllerRevision?: string;
}

export type HashMap = Map<string, HashEntry>;

/** Go's encoding of a map[string]T: keys in byte order (JS objects would put integer-like keys first). */
export function goMapJson<T>(map: ReadonlyMap<string, T>, encode: (v: T) => string = goJson): string {
  const keys = [...map.keys()].sort(byteOrder);
  return `{${keys.map((k) => `${goJson(k)}:${encode(map.get(k) as T)}`).join(',')}}`;
}

function encodeEntry(e: HashEntry, withRevision: boolean): string {
  const ordered: Record<string, unknown> = {
    updateTimestamp: e.updateTimestamp,
    hash: e.hash,
    sidecarSetName: e.sidecarSetName,
    sidecarList: e.sidecarList,
  };
  if (withRevision && e.controllerRevision) ordered.controllerRevision = e.controllerRevision;
  return goJson(ordered);
}

// An entry this run writes is one object per SidecarSet shared by every pod (pipeline.ts), so its
// text is worth keeping.
const encodedEntries = new WeakMap<HashEntry, string>();
const encodedEntriesWithRevision = new WeakMap<HashEntry, string>();

export function encodeHashMap(map: HashMap, withRevision: boolean): string {
  const cache = withRevision ? encodedEntriesWithRevision : encodedEntries;
  return goMapJson(map, (e) => {
    let text = cache.get(e);
    if (text === undefined) cache.set(e, (text = encodeEntry(e, withRevision)));
    return text;
  });
}

/**
 * Parse a hash annotation as Kruise does: the object form, else the legacy name → hash form.
 * Returns an error string when both fail (Kruise rejects the pod).
 */
export function parseHashAnnotation(value: string | undefined): HashMap | string {
  const map: HashMap = new Map();
  if (value === undefined || value === '') return map;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (e) {
    return `unmarshal failed: ${(e as Error).message}`;
  }
  if (parsed === null) return map;
  if (typeof parsed !== 'object' || Array.isArray(parsed)) return 'unmarshal failed: not a JSON object';
  const entries = Object.entries(parsed as Record<string, unknown>);
  const asEntries = entries.map(([k, v]) => [k, toEntry(v)] as const);
  if (asEntries.every(([, e]) => e !== undefined)) {
    for (const [k, e] of asEntries) map.set(k, e as HashEntry);
    return map;
  }
  if (entries.every(([, v]) => typeof v === 'string' || v === null)) {
    for (const [k, v] of entries) {
      map.set(k, { updateTimestamp: null, hash: (v as string | null) ?? '', sidecarSetName: k, sidecarList: null });
    }
    return map;
  }
  return 'unmarshal failed: values are neither hash entries nor hash strings';
}

function toEntry(v: unknown): HashEntry | undefined {
  if (v === null) return { updateTimestamp: null, hash: '', sidecarSetName: '', sidecarList: null };
  if (typeof v !== 'object' || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  const str = (x: unknown) => x === undefined || x === null || typeof x === 'string';
  if (!str(o.hash) || !str(o.sidecarSetName) || !str(o.controllerRevision)) return undefined;
  if (o.sidecarList !== undefined && o.sidecarList !== null) {
    if (!Array.isArray(o.sidecarList) || !o.sidecarList.every((s) => typeof s === 'string' || s === null)) return undefined;
  }
  let ts: string | null = null;
  if (o.updateTimestamp !== undefined && o.updateTimestamp !== null) {
    if (typeof o.updateTimestamp !== 'string') return undefined;
    const t = Date.parse(o.updateTimestamp);
    if (Number.isNaN(t)) return undefined;
    ts = new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  const entry: HashEntry = {
    updateTimestamp: ts,
    hash: (o.hash as string | undefined) ?? '',
    sidecarSetName: (o.sidecarSetName as string | undefined) ?? '',
    sidecarList: Array.isArray(o.sidecarList) ? o.sidecarList.map((s) => (s as string | null) ?? '') : null,
  };
  if (typeof o.controllerRevision === 'string' && o.controllerRevision !== '') entry.controllerRevision = o.controllerRevision;
  return entry;
}

/** The working hot-upgrade container map; Kruise ignores an unparsable value. */
export function parseStringMap(value: string | undefined): Map<string, string> {
  const map = new Map<string, string>();
  if (!value) return map;
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') map.set(k, v);
    }
  } catch {
    // Kruise logs and starts from an empty map.
  }
  return map;
}
