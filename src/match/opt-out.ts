// Opting a workload out of injection (our extension; Istio's and Linkerd's injectors have it, Kruise's
// SidecarSets do not): annotations on the pod template, the workload or a Namespace item. The most
// specific place that has an annotation decides it; `inject` and `skip` are decided separately.
// A SidecarSet a workload opts out of is simply not among the rules of its template, so an earlier
// render's injection of it is stripped under the ownership rules (inject/ownership.ts).
import type { Rule } from '../sidecarset/rules.js';
import type { Problem } from '../krm/results.js';
import { isPlainObject } from '../util/json.js';

export const INJECT_ANNOTATION = 'inject-sidecarsets.kpt.dev/inject';
export const SKIP_ANNOTATION = 'inject-sidecarsets.kpt.dev/skip';

/** What one place says; a key is absent when that place does not have the annotation. */
export interface OptOutLevel {
  /** How results name the place: `the pod template`, `the workload`, `namespace shop`. */
  where: string;
  inject?: boolean | 'invalid';
  skip?: readonly string[] | 'invalid';
}

export interface OptOutDecision {
  /** false: no SidecarSet injects; 'invalid': the deciding value is wrong (already reported), nothing is touched. */
  inject: boolean | 'invalid';
  skip: ReadonlySet<string>;
  /** Where each decision came from, for the result. */
  injectFrom?: string;
  skipFrom?: string;
}

/**
 * One place's annotations (`metadata` of the pod template, workload or Namespace). Problems carry
 * paths relative to the object holding that metadata.
 * @param known the names of the SidecarSets this step applies, to catch misspelt skips
 */
export function readOptOut(
  metadata: unknown,
  where: string,
  known: ReadonlySet<string>,
  affected = 'nothing is injected into it',
): { level: OptOutLevel; problems: Problem[] } {
  const annotations = isPlainObject(metadata) && isPlainObject(metadata.annotations) ? metadata.annotations : {};
  const level: OptOutLevel = { where };
  const problems: Problem[] = [];
  const fieldPath = (key: string) => `metadata.annotations[${JSON.stringify(key)}]`;
  const inject = annotations[INJECT_ANNOTATION];
  if (inject === 'true' || inject === 'false') level.inject = inject === 'true';
  else if (inject !== undefined) {
    level.inject = 'invalid';
    const hint = typeof inject === 'string' ? '' : ' (quote it: annotation values are strings)';
    problems.push(
      problem(
        'error',
        `${INJECT_ANNOTATION} on ${where} is ${JSON.stringify(inject)}; use "true" or "false"${hint}; ${affected}`,
        fieldPath(INJECT_ANNOTATION),
      ),
    );
  }
  const skip = annotations[SKIP_ANNOTATION];
  if (typeof skip === 'string') {
    level.skip = skip
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '');
    const unknown = level.skip.filter((name) => !known.has(name));
    if (unknown.length > 0) {
      problems.push(
        problem(
          'warning',
          `${SKIP_ANNOTATION} on ${where} names ${unknown.join(', ')}, which no SidecarSet of this step has; check the spelling`,
          fieldPath(SKIP_ANNOTATION),
        ),
      );
    }
  } else if (skip !== undefined) {
    level.skip = 'invalid';
    problems.push(
      problem(
        'error',
        `${SKIP_ANNOTATION} on ${where} is ${JSON.stringify(skip)}; it must be a string of comma-separated SidecarSet names; ${affected}`,
        fieldPath(SKIP_ANNOTATION),
      ),
    );
  }
  return { level, problems };
}

/** @param levels the places, most specific first (pod template, workload, namespace) */
export function decideOptOut(levels: readonly (OptOutLevel | undefined)[]): OptOutDecision {
  const injectLevel = levels.find((l) => l?.inject !== undefined);
  const skipLevel = levels.find((l) => l?.skip !== undefined);
  const skip = skipLevel?.skip;
  return {
    inject: skip === 'invalid' ? 'invalid' : (injectLevel?.inject ?? true),
    skip: new Set(Array.isArray(skip) ? skip : []),
    injectFrom: injectLevel?.where,
    skipFrom: skipLevel?.where,
  };
}

/** The matched rules less those the template opts out of; `skipped` says which and why, for the result. */
export function applyOptOut(
  rules: readonly Rule[],
  decision: OptOutDecision,
): { rules: readonly Rule[]; skipped: string[]; because?: string } {
  if (decision.inject === false) {
    return { rules: [], skipped: rules.map((r) => r.name), because: `${INJECT_ANNOTATION}: "false" on ${decision.injectFrom}` };
  }
  if (decision.skip.size === 0) return { rules, skipped: [] };
  const skipped = rules.filter((r) => decision.skip.has(r.name)).map((r) => r.name);
  if (skipped.length === 0) return { rules, skipped };
  return { rules: rules.filter((r) => !decision.skip.has(r.name)), skipped, because: `${SKIP_ANNOTATION} on ${decision.skipFrom}` };
}

/** The opt-outs of the Namespace items, by namespace name, and their problems with the item's position. */
export function namespaceOptOuts(
  objects: readonly unknown[],
  known: ReadonlySet<string>,
): { levels: Map<string, OptOutLevel>; problems: Array<Problem & { position: number }> } {
  const levels = new Map<string, OptOutLevel>();
  const problems: Array<Problem & { position: number }> = [];
  objects.forEach((obj, position) => {
    if (!isPlainObject(obj) || obj.apiVersion !== 'v1' || obj.kind !== 'Namespace' || !isPlainObject(obj.metadata)) return;
    const name = obj.metadata.name;
    if (typeof name !== 'string') return;
    const read = readOptOut(
      obj.metadata,
      `namespace ${name}`,
      known,
      'its workloads that do not set the annotation themselves get nothing injected',
    );
    if (read.level.inject !== undefined || read.level.skip !== undefined) levels.set(name, read.level);
    for (const p of read.problems) problems.push({ ...p, position });
  });
  return { levels, problems };
}

function problem(severity: Problem['severity'], message: string, fieldPath: string): Problem {
  return { severity, message, fieldPath, sidecarSets: [] };
}
