// What an injection changed of the template's own content, recorded so that the next run can undo
// it before injecting again (§6.5 item 3). Containers, init containers and Kruise's bookkeeping are
// recognised without help (IS_INJECTED, the hash entries), and so are the volumes only sidecars
// mount, except the template's own among them; those, patched annotations, pull secrets, the
// ServiceAccount fields and app containers a sidecar replaced are not, so without this
// record they would outlive a SidecarSet that was removed or changed. Kruise has no such record: it
// injects once per pod and never needs to undo. The record is a documented deviation from its output
// and is written only when stripPreviousInjection is on and there is something to undo.
import type { V1Container, V1PodSpec } from '@kubernetes/client-node';
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

function recordShapeProblem(value: unknown): string | undefined {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const isChange = (v: unknown) => isObject(v) && 'before' in v && 'after' in v;
  if (!isObject(value)) return 'not a JSON object';
  const { annotations, spec, ownVolumes, replacedContainers, replacedInitContainers } = value;
  if (annotations !== undefined && !(isObject(annotations) && Object.values(annotations).every(isChange))) {
    return 'annotations is not a map of {before, after}';
  }
  if (spec !== undefined && !(isObject(spec) && Object.entries(spec).every(([k, v]) => (RECORDED_SPEC_FIELDS as readonly string[]).includes(k) && isChange(v)))) {
    return `spec records other fields than ${RECORDED_SPEC_FIELDS.join(', ')}`;
  }
  if (ownVolumes !== undefined && !(Array.isArray(ownVolumes) && ownVolumes.every((n) => typeof n === 'string'))) {
    return 'ownVolumes is not a list of names';
  }
  for (const [key, list] of [['replacedContainers', replacedContainers], ['replacedInitContainers', replacedInitContainers]] as const) {
    if (list !== undefined && !(Array.isArray(list) && list.every((c) => isObject(c) && typeof c.name === 'string'))) {
      return `${key} is not a list of containers`;
    }
  }
  return undefined;
}

/**
 * The template as it was before the injection that wrote the record. A value the record names is
 * given back only where the template still holds what the injection wrote: anything edited since
 * is the author's and stays. Returns new maps and lists; the input is not changed.
 */
export function undoRecorded(template: Template, record: OverwrittenRecord): Template {
  const annotations = { ...template.annotations };
  delete annotations[OVERWRITTEN_ANNOTATION];
  for (const [key, change] of Object.entries(record.annotations ?? {})) {
    if ((annotations[key] ?? null) !== change.after) continue;
    if (typeof change.before === 'string') annotations[key] = change.before;
    else delete annotations[key];
  }

  const spec: V1PodSpec = { ...template.spec };
  const fields = spec as unknown as Record<string, unknown>;
  for (const field of RECORDED_SPEC_FIELDS) {
    const change = record.spec?.[field];
    if (!change || !deepEqual(fields[field] ?? null, change.after)) continue;
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
  return { annotations, spec };
}

/**
 * What the injection from `before` to `after` changed that the next run could not recognise.
 * `patchedKeys`: the annotations patchPodMetadata changed (bookkeeping is recognised without help);
 * `sidecarOnlyVolumes`: the volumes only injected sidecars mount after the injection, less those an
 * earlier run injected.
 */
export function recordOverwrites(
  before: Template,
  after: Template,
  patchedKeys: readonly string[],
  replaced: { containers: readonly string[]; initContainers: readonly string[] },
  sidecarOnlyVolumes: ReadonlySet<string>,
): OverwrittenRecord | undefined {
  const record: OverwrittenRecord = {};
  const annotations: Record<string, Change> = {};
  for (const key of patchedKeys) {
    const was = before.annotations[key] ?? null;
    const is = after.annotations[key] ?? null;
    if (was !== is) annotations[key] = { before: was, after: is };
  }
  if (Object.keys(annotations).length > 0) record.annotations = annotations;

  const spec: Partial<Record<RecordedSpecField, Change>> = {};
  const was = before.spec as unknown as Record<string, unknown>;
  const is = after.spec as unknown as Record<string, unknown>;
  for (const field of RECORDED_SPEC_FIELDS) {
    if (!deepEqual(was[field] ?? null, is[field] ?? null)) spec[field] = { before: deepClone(was[field] ?? null), after: deepClone(is[field] ?? null) };
  }
  if (Object.keys(spec).length > 0) record.spec = spec;

  const ownVolumes = (before.spec.volumes ?? []).map((v) => v.name).filter((name) => sidecarOnlyVolumes.has(name));
  if (ownVolumes.length > 0) record.ownVolumes = ownVolumes;

  const originals = (list: V1Container[] | undefined, names: readonly string[]) =>
    names.map((name) => list?.find((c) => c.name === name)).filter((c): c is V1Container => c !== undefined).map(deepClone);
  const containers = originals(before.spec.containers, replaced.containers);
  if (containers.length > 0) record.replacedContainers = containers;
  const initContainers = originals(before.spec.initContainers, replaced.initContainers);
  if (initContainers.length > 0) record.replacedInitContainers = initContainers;

  return Object.keys(record).length > 0 ? record : undefined;
}
