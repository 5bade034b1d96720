// What an injection step changed of values the template already had, recorded so that the next
// run of that step can give them back before injecting again: patched annotations, the
// ServiceAccount fields, app containers a sidecar replaced, and the template's own token volumes
// (and their mounts) that a new ServiceAccount made the injection remove. What a step added (containers,
// volumes, pull secrets, hash entries) is recognised from its step record (inject/ownership.ts).
// Kruise has no such record: it injects once per pod and never needs to undo. A template injected
// by a version before steps carries this record alone, in OVERWRITTEN_ANNOTATION, which is still
// read (with its `ownVolumes` and `spec.imagePullSecrets`) so that nothing it names is stranded.
import type { V1Container, V1PodSpec, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { deepClone, deepEqual } from '../util/json.js';
import { isInjectedSidecar } from './shared-volumes.js';

export const OVERWRITTEN_ANNOTATION = 'inject-sidecarsets.kpt.dev/overwritten';

/** Spec fields whose whole value is recorded; absent is recorded as null. */
const RECORDED_SPEC_FIELDS = ['imagePullSecrets', 'serviceAccountName', 'serviceAccount', 'automountServiceAccountToken'] as const;
type RecordedSpecField = (typeof RECORDED_SPEC_FIELDS)[number];

interface Change {
  before: unknown;
  after: unknown;
}

export interface OverwrittenRecord {
  /** Annotation key → its value before and after (null: absent). */
  annotations?: Record<string, Change>;
  spec?: Partial<Record<RecordedSpecField, Change>>;
  /** The template's own volumes that only sidecars mount: they look like injected ones. */
  ownVolumes?: string[];
  /** The template's own containers that a sidecar of the same name replaced, as they were. */
  replacedContainers?: V1Container[];
  replacedInitContainers?: V1Container[];
  /** The template's own volumes the injection removed (a token volume of the old ServiceAccount), where they stood. */
  removedVolumes?: Array<{ index: number; volume: V1Volume }>;
  /** Mounts of the template's own containers removed with those volumes, where they stood. */
  removedMounts?: RemovedMount[];
}

export interface RemovedMount {
  container: string;
  index: number;
  mount: V1VolumeMount;
}

export interface Template {
  annotations: Record<string, string>;
  spec: V1PodSpec;
}

/** The record a template carries, undefined when it has none, or why it cannot be read. */
export function readRecord(annotations: Readonly<Record<string, string>>): OverwrittenRecord | undefined | { invalid: string } {
  const text = annotations[OVERWRITTEN_ANNOTATION];
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { invalid: (e as Error).message };
  }
  const problem = recordShapeProblem(parsed);
  return problem ? { invalid: problem } : (parsed as OverwrittenRecord);
}

export function recordShapeProblem(value: unknown): string | undefined {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const isChange = (v: unknown) => isObject(v) && 'before' in v && 'after' in v;
  if (!isObject(value)) return 'not a JSON object';
  const { annotations, spec, ownVolumes, replacedContainers, replacedInitContainers } = value;
  if (annotations !== undefined && !(isObject(annotations) && Object.values(annotations).every(isChange))) {
    return 'annotations is not a map of {before, after}';
  }
  if (
    spec !== undefined &&
    !(isObject(spec) && Object.entries(spec).every(([k, v]) => (RECORDED_SPEC_FIELDS as readonly string[]).includes(k) && isChange(v)))
  ) {
    return `spec records other fields than ${RECORDED_SPEC_FIELDS.join(', ')}`;
  }
  if (ownVolumes !== undefined && !(Array.isArray(ownVolumes) && ownVolumes.every((n) => typeof n === 'string'))) {
    return 'ownVolumes is not a list of names';
  }
  for (const [key, list] of [
    ['replacedContainers', replacedContainers],
    ['replacedInitContainers', replacedInitContainers],
  ] as const) {
    if (list !== undefined && !(Array.isArray(list) && list.every((c) => isObject(c) && typeof c.name === 'string'))) {
      return `${key} is not a list of containers`;
    }
  }
  const positioned = (list: unknown, key: 'volume' | 'mount') =>
    Array.isArray(list) &&
    list.every(
      (e) => isObject(e) && Number.isInteger(e.index) && isObject(e[key]) && typeof (e[key] as Record<string, unknown>).name === 'string',
    );
  if (value.removedVolumes !== undefined && !positioned(value.removedVolumes, 'volume'))
    return 'removedVolumes is not a list of {index, volume}';
  if (
    value.removedMounts !== undefined &&
    !(
      positioned(value.removedMounts, 'mount') &&
      (value.removedMounts as Record<string, unknown>[]).every((e) => typeof e.container === 'string')
    )
  ) {
    return 'removedMounts is not a list of {container, index, mount}';
  }
  return undefined;
}

/**
 * The template as it was before the injection that wrote the record. A value the record names is
 * given back only where the template still holds what the injection wrote: anything changed since
 * (by the author, or by a later injection step that built on it) stays, and such entries come
 * back as `blocked`. Returns new maps and lists; the input is not changed.
 */
export function undoRecorded(template: Template, record: OverwrittenRecord): Template & { blocked: OverwrittenRecord } {
  const blocked: OverwrittenRecord = {};
  const annotations = { ...template.annotations };
  delete annotations[OVERWRITTEN_ANNOTATION];
  for (const [key, change] of Object.entries(record.annotations ?? {})) {
    if ((annotations[key] ?? null) !== change.after) {
      (blocked.annotations ??= {})[key] = change;
      continue;
    }
    if (typeof change.before === 'string') annotations[key] = change.before;
    else delete annotations[key];
  }

  const spec: V1PodSpec = { ...template.spec };
  const fields = spec as unknown as Record<string, unknown>;
  for (const field of RECORDED_SPEC_FIELDS) {
    const change = record.spec?.[field];
    if (!change) continue;
    if (!deepEqual(fields[field] ?? null, change.after)) {
      (blocked.spec ??= {})[field] = change;
      continue;
    }
    if (change.before === null) delete fields[field];
    else fields[field] = deepClone(change.before);
  }
  const putBack = (list: V1Container[] | undefined, originals: V1Container[] | undefined) => {
    if (!list || !originals) return list;
    const byName = new Map(originals.map((c) => [c.name, c]));
    return list.map((c) => {
      const original = byName.get(c.name);
      return original && isInjectedSidecar(c) ? deepClone(original) : c;
    });
  };
  spec.containers = putBack(spec.containers, record.replacedContainers) ?? spec.containers;
  const init = putBack(spec.initContainers, record.replacedInitContainers);
  if (init) spec.initContainers = init;
  giveBackRemoved(spec, record, blocked);
  return { annotations, spec, blocked };
}

/** Volumes and mounts the injection removed, back where they stood, unless one of that name is there again. */
function giveBackRemoved(spec: V1PodSpec, record: OverwrittenRecord, blocked: OverwrittenRecord): void {
  for (const { index, volume } of record.removedVolumes ?? []) {
    const volumes = spec.volumes ?? [];
    if (volumes.some((v) => v.name === volume.name)) (blocked.removedVolumes ??= []).push({ index, volume });
    else spec.volumes = inserted(volumes, index, deepClone(volume));
  }
  for (const removed of record.removedMounts ?? []) {
    const key = (['containers', 'initContainers'] as const).find((k) =>
      spec[k]?.some((c) => c.name === removed.container && !isInjectedSidecar(c)),
    );
    const container = key && spec[key]!.find((c) => c.name === removed.container);
    const mounts = container?.volumeMounts ?? [];
    if (!key || !container || mounts.some((m) => m.name === removed.mount.name && m.mountPath === removed.mount.mountPath)) {
      (blocked.removedMounts ??= []).push(removed);
      continue;
    }
    const back = { ...container, volumeMounts: inserted(mounts, removed.index, deepClone(removed.mount)) };
    spec[key] = spec[key]!.map((c) => (c === container ? back : c));
  }
}

function inserted<T>(list: readonly T[], index: number, value: T): T[] {
  const at = Math.min(Math.max(index, 0), list.length);
  return [...list.slice(0, at), value, ...list.slice(at)];
}

/**
 * What the injection from `before` to `after` changed that the next run could not recognise.
 * `patchedKeys`: the annotations patchPodMetadata changed (bookkeeping is recognised without help).
 * `blocked`: entries of the earlier record that could not be given back; each is kept while the
 * injection still writes that field, so that the record stays the same from render to render.
 * `injectedVolumes`: volumes of `before` an earlier run added, whose removal gives nothing back.
 * Pull secrets and volumes are not recorded here: several steps add to those lists, and each step
 * keeps the names it added (inject/ownership.ts).
 */
export function recordOverwrites(
  before: Template,
  after: Template,
  patchedKeys: readonly string[],
  replaced: { containers: readonly string[]; initContainers: readonly string[] },
  blocked: OverwrittenRecord,
  stillWritten: { annotations: ReadonlySet<string>; serviceAccount: boolean },
  injectedVolumes: ReadonlySet<string> = new Set(),
): OverwrittenRecord | undefined {
  const record: OverwrittenRecord = {};
  const annotations: Record<string, Change> = {};
  for (const key of patchedKeys) {
    const was = before.annotations[key] ?? null;
    const is = after.annotations[key] ?? null;
    if (was !== is) annotations[key] = { before: was, after: is };
  }
  for (const [key, change] of Object.entries(blocked.annotations ?? {})) {
    if (!(key in annotations) && stillWritten.annotations.has(key)) annotations[key] = change;
  }
  if (Object.keys(annotations).length > 0) record.annotations = sortedByKey(annotations);

  const spec: Partial<Record<RecordedSpecField, Change>> = {};
  const was = before.spec as unknown as Record<string, unknown>;
  const is = after.spec as unknown as Record<string, unknown>;
  for (const field of RECORDED_SPEC_FIELDS) {
    if (field === 'imagePullSecrets') continue;
    if (!deepEqual(was[field] ?? null, is[field] ?? null))
      spec[field] = { before: deepClone(was[field] ?? null), after: deepClone(is[field] ?? null) };
    else if (blocked.spec?.[field] && stillWritten.serviceAccount) spec[field] = blocked.spec[field];
  }
  if (Object.keys(spec).length > 0) record.spec = spec;

  const originals = (list: V1Container[] | undefined, names: readonly string[]) =>
    names
      .map((name) => list?.find((c) => c.name === name))
      .filter((c): c is V1Container => c !== undefined)
      .map(deepClone);
  const containers = originals(before.spec.containers, replaced.containers);
  if (containers.length > 0) record.replacedContainers = containers;
  const initContainers = originals(before.spec.initContainers, replaced.initContainers);
  if (initContainers.length > 0) record.replacedInitContainers = initContainers;
  Object.assign(record, removedFrom(before.spec, after.spec, injectedVolumes));

  return Object.keys(record).length > 0 ? record : undefined;
}

/**
 * The template's own volumes, and mounts of its own containers, that `after` no longer has: the
 * injection removes nothing else of the template's (service-account.ts, removePreviousToken).
 */
function removedFrom(
  before: V1PodSpec,
  after: V1PodSpec,
  injectedVolumes: ReadonlySet<string>,
): Pick<OverwrittenRecord, 'removedVolumes' | 'removedMounts'> {
  const kept = new Set((after.volumes ?? []).map((v) => v.name));
  const removedVolumes = (before.volumes ?? []).flatMap((volume, index) =>
    kept.has(volume.name) || injectedVolumes.has(volume.name) ? [] : [{ index, volume: deepClone(volume) }],
  );
  const removedMounts: RemovedMount[] = [];
  for (const key of ['containers', 'initContainers'] as const) {
    for (const container of before[key] ?? []) {
      if (isInjectedSidecar(container)) continue;
      const now = after[key]?.find((c) => c.name === container.name);
      if (!now || isInjectedSidecar(now)) continue;
      (container.volumeMounts ?? []).forEach((mount, index) => {
        if (!(now.volumeMounts ?? []).some((m) => m.name === mount.name && m.mountPath === mount.mountPath))
          removedMounts.push({ container: container.name, index, mount: deepClone(mount) });
      });
    }
  }
  return { ...(removedVolumes.length > 0 ? { removedVolumes } : {}), ...(removedMounts.length > 0 ? { removedMounts } : {}) };
}

function sortedByKey<T>(map: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
