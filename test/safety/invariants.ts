// What must hold for any run, written against the output alone: the pod-validity rules the
// apiserver enforces on the parts injection touches, and Kubernetes' own OpenAPI schema.
import { expect } from 'vitest';
import { parse } from 'yaml';
import { PodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import { runFunction, type RunOutput } from '../../src/run.js';
import { readResourceList, parseItem, NeedsFullParse, type ResourceListInput } from '../../src/krm/read.js';
import { BUILTIN_KINDS, templatePathsFor } from '../../src/workloads/kinds.js';
import type { Obj } from './arbitraries.js';

export interface Template {
  /** Where the template sits in its item, e.g. `spec.template`; '' for a Pod. */
  where: string;
  template: Obj;
}

/** The pod templates of an item, by the function's own kind table; those of the objects of a v1 List too. */
export function templatesOf(item: unknown): Template[] {
  if (!isObj(item) || typeof item.apiVersion !== 'string' || typeof item.kind !== 'string') return [];
  if (item.apiVersion === 'v1' && item.kind === 'List' && Array.isArray(item.items)) {
    return item.items.flatMap((inner, i) => templatesOf(inner).map((t) => ({ where: `items[${i}]${t.where ? '.' + t.where : ''}`, template: t.template })));
  }
  const out: Template[] = [];
  for (const path of templatePathsFor(item.apiVersion, item.kind, BUILTIN_KINDS)) {
    if (path.length === 0) {
      out.push({ where: '', template: { metadata: item.metadata, spec: item.spec } });
      continue;
    }
    let node: unknown = item;
    for (const key of path) node = isObj(node) ? node[key] : undefined;
    if (isObj(node)) out.push({ where: path.join('.'), template: node });
  }
  return out;
}

// Kubernetes ≥ 1.30 accepts any printable ASCII but '=' (RelaxedEnvironmentVariableValidation);
// the strict C-identifier-like rule is what every earlier version enforces.
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** The rules the apiserver checks on what injection adds: one message per violation. */
export function podProblems(template: Obj): string[] {
  const problems: string[] = [];
  const spec = isObj(template.spec) ? template.spec : {};
  const containers = asList(spec.containers);
  const initContainers = asList(spec.initContainers);
  const volumes = asList(spec.volumes);

  const names = [...initContainers, ...containers].map((c) => c.name);
  for (const d of duplicates(names)) problems.push(`container name ${JSON.stringify(d)} is used more than once`);
  const volumeNames = volumes.map((v) => v.name);
  for (const d of duplicates(volumeNames)) problems.push(`volume name ${JSON.stringify(d)} is used more than once`);
  const known = new Set(volumeNames);
  for (const c of [...initContainers, ...containers]) {
    for (const m of asList(c.volumeMounts)) if (!known.has(m.name)) problems.push(`container ${c.name}: volumeMount ${JSON.stringify(m.name)} has no volume`);
    for (const d of asList(c.volumeDevices)) if (!known.has(d.name)) problems.push(`container ${c.name}: volumeDevice ${JSON.stringify(d.name)} has no volume`);
    for (const m of duplicates(asList(c.volumeMounts).map((x) => x.mountPath))) problems.push(`container ${c.name}: mountPath ${m} is used more than once`);
    for (const e of asList(c.env)) if (typeof e.name !== 'string' || !ENV_NAME.test(e.name)) problems.push(`container ${c.name}: env name ${JSON.stringify(e.name)} is invalid`);
  }
  const secrets = asList(spec.imagePullSecrets).map((s) => s.name);
  for (const d of duplicates(secrets)) problems.push(`imagePullSecret ${JSON.stringify(d)} is listed more than once`);
  return problems;
}

/** Violations of the Kubernetes OpenAPI schema for PodTemplateSpec (kubernetes-models). */
export function schemaProblems(template: Obj): string[] {
  try {
    new PodTemplateSpec(template as ConstructorParameters<typeof PodTemplateSpec>[0]).validate();
    return [];
  } catch (e) {
    const errors = (e as { errors?: Array<{ instancePath: string; message?: string }> }).errors;
    return errors ? errors.map((x) => `${x.instancePath} ${x.message ?? ''}`) : [(e as Error).message];
  }
}

/** A case's input text, its parsed items and its first run; the checks make the other runs they need. */
export interface Observed {
  text: string;
  first: RunOutput;
  input: ReadItem[];
}

export function observe(text: string): Observed {
  return { text, first: runFunction({ text }), input: readItems(text) };
}

export interface ReadItem {
  raw: string;
  object: unknown;
}

/** Each item's text and data, as the function reads them (the full parser when the fast path cannot cut an item). */
export function readItems(text: string): ReadItem[] {
  const items = (list: ResourceListInput): ReadItem[] => list.items.map((i) => ({ raw: i.raw, object: parseItem(i).object }));
  try {
    return items(readResourceList(text));
  } catch (e) {
    if (!(e instanceof NeedsFullParse)) throw e;
    return items(readResourceList(text, true));
  }
}

const identity = (o: unknown): string =>
  o && typeof o === 'object' && !Array.isArray(o)
    ? `${(o as Obj).apiVersion}/${(o as Obj).kind}/${(o as Obj).metadata?.namespace ?? ''}/${(o as Obj).metadata?.name ?? ''}`
    : JSON.stringify(o);

export function checkDeterministic({ text, first }: Observed): void {
  const second = runFunction({ text });
  expect(second.stdout).toBe(first.stdout);
  expect(second.stderr).toBe(first.stderr);
  expect(second.exitCode).toBe(first.exitCode);
}

export function checkIdempotent({ first }: Observed): void {
  if (first.stdout === '') return;
  const again = runFunction({ text: first.stdout });
  expect(again.items.map((i) => i.text)).toEqual(first.items.map((i) => i.text));
  expect(again.items.filter((i) => i.changed)).toEqual([]);
}

export function checkItemsKept({ first, input }: Observed): void {
  expect(first.items).toHaveLength(input.length);
  const output = readItems(first.stdout);
  expect(output.map((i) => identity(i.object))).toEqual(input.map((i) => identity(i.object)));
  first.items.forEach((item, i) => {
    if (!item.changed) expect(item.text).toBe(input[i].raw);
    expect(output[i].raw).toBe(item.text);
    // Only pod templates may change: the rest of a changed item is the same data.
    if (item.changed) expect(outsideTemplates(output[i].object)).toEqual(outsideTemplates(input[i].object));
  });
}

export function checkParsesBack({ first }: Observed): void {
  const list = parse(first.stdout, { uniqueKeys: false, maxAliasCount: -1 }) as Obj;
  expect(list.kind).toBe('ResourceList');
  expect(Array.isArray(list.items)).toBe(true);
  expect(readItems(first.stdout)).toHaveLength(first.items.length);
}

/** With no error result, every template the run changed is a pod the apiserver accepts, provided its input was. */
export function checkValidPods({ first, input }: Observed): void {
  if (first.results.some((r) => r.severity === 'error')) return;
  const output = readItems(first.stdout);
  first.items.forEach((item, i) => {
    if (!item.changed) return;
    const before = templatesOf(input[i].object);
    templatesOf(output[i].object).forEach(({ where, template }, t) => {
      if (podProblems(before[t].template).length > 0 || schemaProblems(before[t].template).length > 0) return;
      expect(podProblems(template), `${identity(output[i].object)} ${where}`).toEqual([]);
      expect(schemaProblems(template), `${identity(output[i].object)} ${where}`).toEqual([]);
    });
  });
}

/** The item with its pod templates' metadata and spec blanked out (a Pod is its template: only its identity stays). */
function outsideTemplates(item: unknown): unknown {
  if (!isObj(item)) return item;
  if (item.apiVersion === 'v1' && item.kind === 'List' && Array.isArray(item.items)) return { ...item, items: item.items.map(outsideTemplates) };
  if (item.kind === 'Pod') return { apiVersion: item.apiVersion, kind: item.kind, name: item.metadata?.name };
  const copy = structuredClone(item);
  for (const { template } of templatesOf(copy)) {
    for (const key of Object.keys(template)) template[key] = null;
  }
  return copy;
}

/** Every invariant; with error results, the pod-validity ones are skipped by checkValidPods itself. */
export function checkAll(observed: Observed): void {
  checkDeterministic(observed);
  checkIdempotent(observed);
  checkItemsKept(observed);
  checkParsesBack(observed);
  checkValidPods(observed);
}

function duplicates(values: unknown[]): unknown[] {
  const seen = new Set<unknown>();
  const twice = new Set<unknown>();
  for (const v of values) (seen.has(v) ? twice : seen).add(v);
  return [...twice];
}

function asList(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isObj) : [];
}

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
