// mode: validate — what differs between a pod template as it is and as injection would give it,
// said the way a reviewer reads it: a missing sidecar, a stale image, a leftover container, and
// the SidecarSets behind each. The run writes nothing; one error result per differing template.
import type { V1Container } from '@kubernetes/client-node';
import type { PodTemplate } from '../workloads/locate.js';
import type { Rule } from '../sidecarset/rules.js';
import type { InjectOutcome } from '../inject/pipeline.js';
import type { Problem } from '../krm/results.js';
import { deepEqual } from '../util/json.js';
import { byteOrder } from '../util/go-string-order.js';
import { parseHashAnnotation, type HashMap } from '../inject/bookkeeping.js';
import { HASH_ANNOTATION } from '../sidecarset/kruise-keys.js';
import { readInjectionRecords, withTwins } from '../inject/ownership.js';

export interface Drift {
  message: string;
  /** The SidecarSets whose injection differs. */
  sidecarSets: string[];
}

/** Annotations that only record an injection: reported together, after what they record. */
const BOOKKEEPING =
  /^(kruise\.io\/sidecarset-|version(alt)?\.sidecarset\.kruise\.io\/|inject-sidecarsets\.kpt\.dev\/(injections|overwritten)$)/;

/** One injection step of a validation: the step a render ran, with the validator's SidecarSets it applies. */
export interface CheckStep {
  step: string;
  rules: readonly Rule[];
}

/**
 * The steps a validator re-runs on a template. As its own step when the template records it (its
 * config is the render's, or names the render's step). Else each recorded step that applied any
 * of the validator's SidecarSets is re-run with those of them that select the template (a
 * SidecarSet of that step the validator does not have counts as gone), and the validator's other
 * SidecarSets as its own step: a validator usually has a config of its own (a ConfigMap with
 * mode=validate), so its derived identity is rarely the one the package was rendered with.
 * @param known the names of all of the validator's SidecarSets
 */
export function validationPlan(template: PodTemplate, matched: readonly Rule[], known: ReadonlySet<string>, step: string): CheckStep[] {
  const read = readInjectionRecords(template.metadata?.annotations ?? {});
  if (read.kind !== 'records' || read.records.has(step)) return [{ step, rules: matched }];
  const holders = [...read.records].filter(([, r]) => r.sidecarSets.some((name) => known.has(name))).sort(([a], [b]) => byteOrder(a, b));
  const held = new Set(holders.flatMap(([, r]) => r.sidecarSets));
  const plan = holders.map(([holder, r]) => ({ step: holder, rules: matched.filter((rule) => r.sidecarSets.includes(rule.name)) }));
  const rest = matched.filter((rule) => !held.has(rule.name));
  return rest.length > 0 || plan.length === 0 ? [...plan, { step, rules: rest }] : plan;
}

/** The template as the plan's injections give it, and what they reported on the way. */
export function expectedTemplate(
  template: PodTemplate,
  plan: readonly CheckStep[],
  inject: (template: PodTemplate, rules: readonly Rule[], step: string) => InjectOutcome,
): { template: PodTemplate; problems: Problem[] } {
  let expected = template;
  const problems: Problem[] = [];
  for (const { step, rules } of plan) {
    const outcome = inject(expected, rules, step);
    expected = outcome.template;
    problems.push(...outcome.problems.filter((p) => !p.stripped));
  }
  return { template: expected, problems };
}

/**
 * @param actual the template as it is
 * @param expected the same template after injection
 * @param rules the SidecarSets the injection applied to it
 */
export function describeDrift(actual: PodTemplate, expected: PodTemplate, rules: readonly Rule[]): Drift {
  const owners = containerOwners(actual, expected, rules);
  const named = new Set<string>(hashEntryChanges(actual, expected));
  const owned = (name: string) => {
    const owner = owners.get(name);
    if (owner) named.add(owner);
    return owner ? `${name} (SidecarSet ${owner})` : name;
  };
  const parts = [
    ...containerDrift('sidecar', actual.spec.containers, expected.spec.containers, owned),
    ...containerDrift('init container', actual.spec.initContainers, expected.spec.initContainers, owned),
    ...namedListDrift('volume', actual.spec.volumes, expected.spec.volumes),
    ...specFieldDrift(actual.spec as unknown as Record<string, unknown>, expected.spec as unknown as Record<string, unknown>),
    ...annotationDrift(actual.metadata?.annotations ?? {}, expected.metadata?.annotations ?? {}),
  ];
  if (parts.length === 0) parts.push('the template differs from what injection gives');
  const sidecarSets = [...named].sort(byteOrder);
  const sets = sidecarSets.length > 0 ? ` for SidecarSet${sidecarSets.length > 1 ? 's' : ''} ${sidecarSets.join(', ')}` : '';
  return { message: `not what injection gives${sets}: ${parts.join('; ')}; render the package again to update it`, sidecarSets };
}

function containerDrift(
  what: string,
  actual: V1Container[] | undefined,
  expected: V1Container[] | undefined,
  owned: (name: string) => string,
): string[] {
  const have = new Map((actual ?? []).map((c) => [c.name, c]));
  const want = new Map((expected ?? []).map((c) => [c.name, c]));
  const parts: string[] = [];
  for (const [name, c] of want) {
    const present = have.get(name);
    if (!present) parts.push(`missing ${what} ${owned(name)}`);
    else if (present.image !== c.image)
      parts.push(`stale image of ${owned(name)}: ${present.image ?? '(none)'}, injection gives ${c.image ?? '(none)'}`);
    else if (!deepEqual(present, c)) parts.push(`${what} ${owned(name)} differs in ${differingKeys(present, c).join(', ')}`);
  }
  for (const name of have.keys()) if (!want.has(name)) parts.push(`leftover ${what} ${owned(name)}`);
  const order = (list: V1Container[] | undefined) => (list ?? []).map((c) => c.name).filter((n) => have.has(n) && want.has(n));
  if (parts.length === 0 && !deepEqual(order(actual), order(expected)))
    parts.push(`${what}s in another order: ${order(actual).join(', ')}, injection gives ${order(expected).join(', ')}`);
  return parts;
}

function namedListDrift(
  what: string,
  actual: Array<{ name: string }> | undefined,
  expected: Array<{ name: string }> | undefined,
): string[] {
  const have = new Map((actual ?? []).map((v) => [v.name, v]));
  const want = new Map((expected ?? []).map((v) => [v.name, v]));
  const missing = [...want.keys()].filter((n) => !have.has(n));
  const leftover = [...have.keys()].filter((n) => !want.has(n));
  const changed = [...want.keys()].filter((n) => have.has(n) && !deepEqual(have.get(n), want.get(n)));
  return [
    ...(missing.length > 0 ? [`missing ${what} ${missing.join(', ')}`] : []),
    ...(leftover.length > 0 ? [`leftover ${what} ${leftover.join(', ')}`] : []),
    ...(changed.length > 0 ? [`${what} ${changed.join(', ')} differs`] : []),
  ];
}

/** The pod spec's other fields: pull secrets, the ServiceAccount fields, anything else. */
function specFieldDrift(actual: Record<string, unknown>, expected: Record<string, unknown>): string[] {
  const compared = new Set(['containers', 'initContainers', 'volumes']);
  const keys = [...new Set([...Object.keys(actual), ...Object.keys(expected)])].filter((k) => !compared.has(k));
  return keys
    .filter((k) => !deepEqual(actual[k], expected[k]))
    .map((k) => `spec.${k} is ${show(actual[k])}, injection gives ${show(expected[k])}`);
}

function annotationDrift(actual: Record<string, string>, expected: Record<string, string>): string[] {
  const keys = [...new Set([...Object.keys(actual), ...Object.keys(expected)])].filter((k) => actual[k] !== expected[k]);
  const plain = keys.filter((k) => !BOOKKEEPING.test(k));
  const books = keys.filter((k) => BOOKKEEPING.test(k));
  return [
    ...plain.map((k) => `annotation ${k} is ${show(actual[k])}, injection gives ${show(expected[k])}`),
    ...(books.length > 0 ? [`bookkeeping annotation${books.length > 1 ? 's' : ''} ${books.join(', ')}`] : []),
  ];
}

/** SidecarSets whose hash entries are added, removed or changed. */
function hashEntryChanges(actual: PodTemplate, expected: PodTemplate): string[] {
  const before = hashesOf(actual);
  const after = hashesOf(expected);
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((n) => before.get(n)?.hash !== after.get(n)?.hash);
}

/** Which SidecarSet each sidecar comes from: the hash entries of either side, then the rules. */
function containerOwners(actual: PodTemplate, expected: PodTemplate, rules: readonly Rule[]): Map<string, string> {
  const owners = new Map<string, string>();
  for (const rule of rules) {
    for (const c of [...(rule.set.spec.containers ?? []), ...(rule.set.spec.initContainers ?? [])])
      for (const n of withTwins(c.name)) owners.set(n, rule.name);
  }
  for (const hashes of [hashesOf(actual), hashesOf(expected)]) {
    for (const entry of hashes.values())
      for (const c of entry.sidecarList ?? []) for (const n of withTwins(c)) if (!owners.has(n)) owners.set(n, entry.sidecarSetName);
  }
  return owners;
}

function hashesOf(template: PodTemplate): HashMap {
  const parsed = parseHashAnnotation(template.metadata?.annotations?.[HASH_ANNOTATION]);
  return typeof parsed === 'string' ? new Map() : parsed;
}

function differingKeys(a: object, b: object): string[] {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  return [...new Set([...Object.keys(x), ...Object.keys(y)])].filter((k) => !deepEqual(x[k], y[k]));
}

function show(value: unknown): string {
  if (value === undefined) return 'absent';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
