// Which injection step put what into a pod template. Several steps inject into one template: one
// SidecarSet file per kustomize transformer, a base and an overlay, several kpt mutators, nested
// kpt packages. Each step strips and re-injects only what it injected itself, so it must be able
// to tell its own sidecars from the others'. Kruise needs no such record (it injects once per pod,
// all SidecarSets together); its own annotations keep their exact shape, and the record lives in
// one annotation of this function's: step identity → what that step injected and overwrote.
import type { V1PodSpec } from '@kubernetes/client-node';
import type { HashMap } from './bookkeeping.js';
import { isInjectedSidecar, volumesOnlySidecarsMount } from './shared-volumes.js';
import { HOT_UPGRADE_SUFFIXES } from './hot-upgrade.js';
import { OVERWRITTEN_ANNOTATION, readRecord, recordShapeProblem, type OverwrittenRecord } from './overwritten.js';
import { byteOrder } from '../util/go-string-order.js';
import { isPlainObject } from '../util/json.js';
import { parsePlacement } from '../sidecarset/placement.js';

export const INJECTIONS_ANNOTATION = 'inject-sidecarsets.kpt.dev/injections';

/** What one step injected into a template, and what it overwrote there. */
export interface StepRecord {
  /** The SidecarSets the step applied: their hash entries and injected-list names are its own. */
  sidecarSets: string[];
  /** Containers and init containers it put in (hot-upgrade twins included). */
  containers: string[];
  /** Volumes it added to the template. */
  volumes?: string[];
  /** imagePullSecrets names it added (a list: several steps add to one). */
  imagePullSecrets?: string[];
  /** What it changed of values the template had, to give back when that change no longer applies. */
  overwritten?: OverwrittenRecord;
  /** Where it placed its sidecars (container name → first, last, before:<name>, after:<name>), for every step to honour. */
  placement?: Record<string, string>;
  /**
   * The fields the template had empty (`{}`, `[]`) when the first step injected into it.
   * Un-injection (inject/uninject.ts) removes a field it leaves empty unless a step recorded it here.
   */
  emptyBefore?: EmptyField[];
}

/** Fields an injection may fill: the template's metadata and annotations, lists of its spec. */
const EMPTY_FIELDS = ['metadata', 'annotations', 'initContainers', 'volumes', 'imagePullSecrets'] as const;
export type EmptyField = (typeof EMPTY_FIELDS)[number];

export type InjectionRecords = Map<string, StepRecord>;

export type RecordsOnTemplate =
  | { kind: 'records'; records: InjectionRecords }
  /** No record: a template never injected by this function, or injected by a version before steps. */
  | { kind: 'none'; legacyOverwritten?: OverwrittenRecord }
  | { kind: 'invalid'; annotation: string; problem: string };

export function readInjectionRecords(annotations: Readonly<Record<string, string>>): RecordsOnTemplate {
  const text = annotations[INJECTIONS_ANNOTATION];
  if (text === undefined) {
    const legacy = readRecord(annotations);
    if (legacy !== undefined && 'invalid' in legacy)
      return { kind: 'invalid', annotation: OVERWRITTEN_ANNOTATION, problem: legacy.invalid };
    return { kind: 'none', legacyOverwritten: legacy };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { kind: 'invalid', annotation: INJECTIONS_ANNOTATION, problem: (e as Error).message };
  }
  if (!isPlainObject(parsed)) return { kind: 'invalid', annotation: INJECTIONS_ANNOTATION, problem: 'not a JSON object' };
  const records: InjectionRecords = new Map();
  for (const [step, value] of Object.entries(parsed)) {
    const problem = stepRecordProblem(value);
    if (problem) return { kind: 'invalid', annotation: INJECTIONS_ANNOTATION, problem: `step ${JSON.stringify(step)}: ${problem}` };
    records.set(step, value as StepRecord);
  }
  return { kind: 'records', records };
}

function stepRecordProblem(value: unknown): string | undefined {
  if (!isPlainObject(value)) return 'not a JSON object';
  const names = (v: unknown) => Array.isArray(v) && v.every((n) => typeof n === 'string');
  for (const key of ['sidecarSets', 'containers'] as const) if (!names(value[key])) return `${key} is not a list of names`;
  for (const key of ['volumes', 'imagePullSecrets'] as const) {
    if (value[key] !== undefined && !names(value[key])) return `${key} is not a list of names`;
  }
  if (value.placement !== undefined) {
    const placement = value.placement;
    if (!isPlainObject(placement)) return 'placement is not a JSON object';
    for (const [name, text] of Object.entries(placement)) {
      const parsed = parsePlacement(text);
      if (typeof parsed === 'string') return `placement of ${JSON.stringify(name)}: ${parsed}`;
    }
  }
  if (
    value.emptyBefore !== undefined &&
    !(Array.isArray(value.emptyBefore) && value.emptyBefore.every((n) => (EMPTY_FIELDS as readonly unknown[]).includes(n)))
  ) {
    return `emptyBefore is not a list of ${EMPTY_FIELDS.join(', ')}`;
  }
  return value.overwritten === undefined ? undefined : recordShapeProblem(value.overwritten);
}

/** The annotation's value: steps in byte order, empty records left out; undefined when none is left. */
export function encodeInjectionRecords(records: InjectionRecords): string | undefined {
  const steps = [...records.keys()].filter((step) => !isEmpty(records.get(step) as StepRecord)).sort(byteOrder);
  if (steps.length === 0) return undefined;
  const ordered: Record<string, StepRecord> = {};
  for (const step of steps) {
    const r = records.get(step) as StepRecord;
    ordered[step] = {
      sidecarSets: r.sidecarSets,
      containers: r.containers,
      ...(r.volumes?.length ? { volumes: r.volumes } : {}),
      ...(r.imagePullSecrets?.length ? { imagePullSecrets: r.imagePullSecrets } : {}),
      ...(r.overwritten ? { overwritten: r.overwritten } : {}),
      ...(r.placement && Object.keys(r.placement).length > 0 ? { placement: r.placement } : {}),
      ...(r.emptyBefore?.length ? { emptyBefore: r.emptyBefore } : {}),
    };
  }
  return JSON.stringify(ordered);
}

function isEmpty(r: StepRecord): boolean {
  return r.sidecarSets.length === 0 && r.containers.length === 0 && !r.volumes?.length && !r.imagePullSecrets?.length && !r.overwritten;
}

/** The fields of a template an injection may fill that are empty, for StepRecord.emptyBefore. */
export function emptyFieldsOf(template: { metadata?: Readonly<Record<string, unknown>>; spec: V1PodSpec }): EmptyField[] {
  const empty = (v: unknown) => typeof v === 'object' && v !== null && Object.keys(v).length === 0;
  const spec = template.spec as unknown as Record<string, unknown>;
  return EMPTY_FIELDS.filter((field) =>
    field === 'metadata' ? empty(template.metadata) : field === 'annotations' ? empty(template.metadata?.annotations) : empty(spec[field]),
  );
}

/**
 * What a template injected by a version of this function before steps carries, taken as one step's:
 * every hash entry this function wrote (the timestamp tells), the containers they list, the classic
 * init containers when every entry is this function's, the volumes only those sidecars mount (less
 * the template's own, which the old record names) and the old record of what was overwritten. The
 * first step that runs over such a template adopts it: it strips and gives back all of it, and
 * each step of the render then injects its own again, so nothing is stranded.
 */
export function adoptLegacyInjection(
  spec: V1PodSpec,
  hashes: HashMap,
  written: (timestamp: string | null) => boolean,
  overwritten: OverwrittenRecord | undefined,
): StepRecord {
  const ours = [...hashes.values()].filter((e) => written(e.updateTimestamp));
  const present = new Set([...(spec.containers ?? []), ...(spec.initContainers ?? [])].filter(isInjectedSidecar).map((c) => c.name));
  const containers = new Set(ours.flatMap((e) => (e.sidecarList ?? []).flatMap(withTwins)).filter((n) => present.has(n)));
  // Classic init containers are in no sidecarList; they are this function's when every entry is.
  if (ours.length > 0 && ours.length === hashes.size)
    for (const c of spec.initContainers ?? []) if (isInjectedSidecar(c)) containers.add(c.name);
  const ownVolumes = new Set(overwritten?.ownVolumes ?? []);
  const volumes = ours.length > 0 ? [...volumesOnlySidecarsMount(spec)].filter((name) => !ownVolumes.has(name)) : [];
  return { sidecarSets: ours.map((e) => e.sidecarSetName), containers: [...containers], volumes, overwritten };
}

export function withTwins(name: string): string[] {
  return [name, ...HOT_UPGRADE_SUFFIXES.map((s) => name + s)];
}
