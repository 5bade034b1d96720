// From SidecarSets as found in the input to rules the pod webhook would use: validated against the
// schema, converted to v1beta1, defaulted, validated as Kruise would, hashed, checked for conflicts.
import type { RuleSource } from '../config/forms.js';
import type { Options, PatchMetadataWhitelistRule } from '../config/options.js';
import { schemaErrors } from '../config/validators.js';
import { result, type Result, type Subject } from '../krm/results.js';
import { pointerToPath } from '../krm/annotations.js';
import { deepEqual, isPlainObject } from '../util/json.js';
import { toV1beta1 } from './convert.js';
import { defaultSidecarSet, sidecarSetDefaultingProblems } from './defaults.js';
import { validateSidecarSet, findControllerRevision, canaryBaseOf } from './validate.js';
import { restoreRevision, type HistoricSpec } from './revision.js';
import { renderTimeWarnings } from './render-time.js';
import { sidecarSetHashes } from './hash.js';
import { containerDecodeFindings } from './go-json.js';
import { findConflicts } from './conflicts.js';
import { NAMESPACE_NAME_LABEL } from '../k8s/selector.js';
import type { LabelSelector, SidecarSet } from './types.js';
import { tokenScopeOf, TOKEN_SCOPE_ANNOTATION } from './token-scope.js';
import { placementsOf, PLACEMENT_ANNOTATION, type Placements } from './placement.js';

export interface Rule {
  name: string;
  /** Converted to v1beta1 and defaulted: the stored form the webhook works on. */
  set: SidecarSet;
  hash: string;
  hashWithoutImage: string;
  subject: Subject;
  /** Set when this is a canary SidecarSet (pkg/control/sidecarcontrol/util.go, IsCanarySidecarSet): the name of its base. */
  canaryBase?: string;
  /** Namespaces Kruise's field index files it under (pinnedNamespaces); undefined = cluster scope. */
  pinnedNamespaces?: string[];
  /** The spec restored from the ControllerRevision `injectionStrategy.revision` names, when it is among the items. */
  historic?: HistoricSpec;
  /** Where its sidecars go (annotation inject-sidecarsets.kpt.dev/placement); undefined: where podInjectPolicy puts them. */
  placements?: Placements;
}

export interface RuleContext {
  options: Options;
  /** undefined when no ControllerRevision is among the items. */
  controllerRevisions: unknown[] | undefined;
  /** undefined: no whitelist restriction; 'absent': restriction requested but no whitelist found. */
  whitelist: { rules: PatchMetadataWhitelistRule[] } | 'absent' | undefined;
}

export function prepareRules(sources: readonly RuleSource[], ctx: RuleContext): { rules: Rule[]; results: Result[] } {
  const results: Result[] = [];
  const candidates = decodeSidecarSets(sources, results);
  const byName = new Map(candidates.map((c) => [c.set.metadata.name, c.set]));
  const rules: Rule[] = [];
  for (const candidate of candidates) {
    const rule = toRule(candidate, byName, ctx, results);
    if (rule) rules.push(rule);
  }
  reportConflicts(rules, results);
  return { rules, results };
}

/** A SidecarSet as the apiserver would store it: converted to v1beta1 and defaulted, with the object it came from. */
interface Candidate {
  set: SidecarSet;
  subject: Subject;
  object: unknown;
  /** Paths of container fields Kruise's decoder drops (unknown or mis-cased). */
  unknownFields: string[];
}

/**
 * The SidecarSets the apiserver would take: schema-valid, decodable by Kruise's Go types, one per
 * name (the same SidecarSet twice is taken once; two different ones of one name are an error).
 */
function decodeSidecarSets(sources: readonly RuleSource[], results: Result[]): Candidate[] {
  const candidates: Candidate[] = [];
  for (const source of sources) {
    const label = describe(source.object);
    const errors = schemaErrors('SidecarSet', source.object);
    if (errors.length > 0) {
      for (const e of errors) results.push(invalid(source.subject, label, e.pointer, e.message));
      continue;
    }
    const duplicate = candidates.find((c) => c.set.metadata.name === (source.object as SidecarSet).metadata.name);
    if (duplicate) {
      if (!deepEqual(stripOrchestratorAnnotations(duplicate.object), stripOrchestratorAnnotations(source.object))) {
        results.push(
          result(
            'error',
            `two different SidecarSets are named ${label}; SidecarSet names are cluster-wide and must be unique`,
            source.subject,
            { field: 'metadata.name' },
          ),
        );
      }
      continue;
    }
    const converted = toV1beta1(source.object as SidecarSet);
    // One decoding of each container says both what Kruise's Go decoder would refuse (then the
    // apiserver rejects the object) and what it would drop (warned about once the rule is valid).
    const findings = (['initContainers', 'containers'] as const).flatMap((kind) =>
      (converted.spec[kind] ?? []).map((c, i) => containerDecodeFindings(c, `spec.${kind}[${i}]`)),
    );
    const undecodable = [...sidecarSetDefaultingProblems(converted), ...findings.flatMap((f) => f.invalid)];
    if (undecodable.length > 0) {
      for (const message of undecodable) results.push(result('error', `invalid ${label}: ${message}; it is not applied`, source.subject));
      continue;
    }
    candidates.push({
      set: defaultSidecarSet(converted),
      subject: source.subject,
      object: source.object,
      unknownFields: findings.flatMap((f) => f.unknown),
    });
  }
  return candidates;
}

/**
 * One stored SidecarSet as a rule: validated as Kruise does, its annotations read, its historic spec restored; undefined when it is not
 * applied (reported).
 */
function toRule(
  { set, subject, unknownFields }: Candidate,
  byName: ReadonlyMap<string, SidecarSet>,
  ctx: RuleContext,
  results: Result[],
): Rule | undefined {
  const name = set.metadata.name;
  const errors = validateSidecarSet(set, {
    controllerRevisions: ctx.controllerRevisions,
    whitelist: ctx.whitelist,
    featureGates: ctx.options.featureGates,
    otherSidecarSetNames: new Set([...byName.keys()].filter((n) => n !== name)),
    sidecarSetsByName: byName,
  });
  if (errors.length > 0) {
    for (const e of errors) results.push(invalid(subject, `SidecarSet ${name}`, e.pointer, e.message));
    return undefined;
  }
  warnUnknownContainerFields(name, unknownFields, subject, results);
  const extensions = readExtensionAnnotations(set, subject, results);
  if (!extensions) return undefined;
  if (!ctx.options.featureGates.SidecarSetServiceAccountInjection && set.spec.serviceAccountName !== undefined) {
    results.push(
      result(
        'info',
        `SidecarSet ${name}: spec.serviceAccountName is ignored because the SidecarSetServiceAccountInjection feature gate is off`,
        subject,
        { field: 'spec.serviceAccountName' },
      ),
    );
  }
  const historic = historicSpec(set, subject, ctx, results);
  if (historic === 'invalid') return undefined;
  for (const w of renderTimeWarnings(set))
    results.push(result('warning', `SidecarSet ${name}: ${w.path} ${w.message}`, subject, { field: w.path }));
  const { hash, hashWithoutImage } = sidecarSetHashes(set.spec);
  return {
    name,
    set,
    hash,
    hashWithoutImage,
    subject,
    canaryBase: canaryBaseOf(set),
    pinnedNamespaces: pinnedNamespaces(set.spec.namespaceSelector),
    historic,
    ...(extensions.placements ? { placements: extensions.placements } : {}),
  };
}

/** Container fields Kruise's Go types do not have, which it drops: a warning each. */
function warnUnknownContainerFields(name: string, paths: readonly string[], subject: Subject, results: Result[]): void {
  for (const path of paths) {
    results.push(
      result(
        'warning',
        `SidecarSet ${name}: ${path} is not a field of a Kubernetes 1.32 container (or is mis-cased); Kruise drops ` +
          `it, so it is neither injected nor hashed`,
        subject,
        { field: path },
      ),
    );
  }
}

/** The annotations of our extensions (token scope, placement); undefined when one is invalid (reported). */
function readExtensionAnnotations(
  set: SidecarSet,
  subject: Subject,
  results: Result[],
): { placements: Placements | undefined } | undefined {
  const name = set.metadata.name;
  const scope = tokenScopeOf(set.metadata.annotations);
  if (typeof scope !== 'string') {
    results.push(
      result(
        'error',
        `SidecarSet ${name}: annotation ${TOKEN_SCOPE_ANNOTATION} is ${JSON.stringify(scope.invalid)}; use Pod or ` +
          `Sidecars. It is not applied`,
        subject,
        { field: `metadata.annotations[${JSON.stringify(TOKEN_SCOPE_ANNOTATION)}]` },
      ),
    );
    return undefined;
  }
  const placements = placementsOf(set);
  if (placements && 'problems' in placements) {
    for (const p of placements.problems) {
      results.push(
        result('error', `SidecarSet ${name}: annotation ${PLACEMENT_ANNOTATION} ${p}. It is not applied`, subject, {
          field: `metadata.annotations[${JSON.stringify(PLACEMENT_ANNOTATION)}]`,
        }),
      );
    }
    return undefined;
  }
  if (scope === 'Sidecars' && !set.spec.serviceAccountName) {
    results.push(
      result('warning', `SidecarSet ${name}: the token scope Sidecars has no effect without spec.serviceAccountName`, subject, {
        field: `metadata.annotations[${JSON.stringify(TOKEN_SCOPE_ANNOTATION)}]`,
      }),
    );
  }
  return { placements };
}

/**
 * The spec injectionStrategy.revision names, restored from its ControllerRevision when that is
 * among the items; undefined when none is named or it is not among the items (reported as info).
 */
function historicSpec(set: SidecarSet, subject: Subject, ctx: RuleContext, results: Result[]): HistoricSpec | undefined | 'invalid' {
  const name = set.metadata.name;
  const revision = set.spec.injectionStrategy?.revision;
  if (!revision || (revision.revisionName === undefined && revision.customVersion === undefined)) return undefined;
  const wanted = revision.revisionName ?? `custom version ${revision.customVersion}`;
  if (ctx.controllerRevisions === undefined) {
    results.push(
      result(
        'info',
        `SidecarSet ${name}: injectionStrategy.revision asks for ${wanted}, but no ControllerRevision is among the ` +
          `items, so the SidecarSet's current spec is injected instead. To inject that revision, add its ` +
          `ControllerRevision (kubectl get controllerrevisions -n kruise-system -l kruise.io/sidecarset-name=${name} -o ` +
          `yaml) to the package`,
        subject,
        { field: 'spec.injectionStrategy.revision' },
      ),
    );
    return undefined;
  }
  const restored = restoreRevision(set, findControllerRevision(set, ctx.controllerRevisions)!);
  if (typeof restored === 'string') {
    results.push(
      result('error', `SidecarSet ${name}: ${restored}; it is not applied`, subject, { field: 'spec.injectionStrategy.revision' }),
    );
    return 'invalid';
  }
  return restored;
}

/** Conflicts between the rules (conflicts.ts), reported on the first of each pair. */
function reportConflicts(rules: readonly Rule[], results: Result[]): void {
  const ruleByName = new Map(rules.map((r) => [r.name, r]));
  for (const c of findConflicts(rules.map((r) => r.set))) {
    const rule = ruleByName.get(c.a);
    results.push(
      result(
        'error',
        `SidecarSets ${c.a} and ${c.b} conflict: ${c.message} (${c.pointer}); Kruise would reject whichever of them is applied second`,
        rule?.subject,
        { field: pointerToPath(c.pointer), tags: { sidecarSet: c.a, conflictsWith: c.b } },
      ),
    );
  }
}

function describe(obj: unknown): string {
  const name = isPlainObject(obj) && isPlainObject(obj.metadata) ? obj.metadata.name : undefined;
  return typeof name === 'string' ? `SidecarSet ${name}` : 'a SidecarSet without a name';
}

function invalid(subject: Subject, label: string, pointer: string, message: string): Result {
  const path = pointerToPath(pointer);
  return result('error', `invalid ${label}: ${path || '(root)'} (${pointer || '/'}): ${message}; it is not applied`, subject, {
    field: path || undefined,
  });
}

function stripOrchestratorAnnotations(obj: unknown): unknown {
  if (!isPlainObject(obj) || !isPlainObject(obj.metadata) || !isPlainObject(obj.metadata.annotations)) return obj;
  const annotations = Object.fromEntries(
    Object.entries(obj.metadata.annotations).filter(
      ([k]) => !k.startsWith('config.kubernetes.io/') && !k.startsWith('internal.config.kubernetes.io/') && k !== 'config.k8s.io/id',
    ),
  );
  return { ...obj, metadata: { ...obj.metadata, annotations } };
}

/**
 * The namespaces a SidecarSet's namespaceSelector pins, as Kruise's field index reads it
 * (pkg/util/fieldindex/register.go, IndexNameForSidecarSetNamespace); undefined: cluster scope.
 */
export function pinnedNamespaces(selector: LabelSelector | undefined): string[] | undefined {
  if (!selector) return undefined;
  const direct = selector.matchLabels?.[NAMESPACE_NAME_LABEL];
  if (direct !== undefined) return [direct];
  const expr = (selector.matchExpressions ?? []).find((e) => e.key === NAMESPACE_NAME_LABEL && e.operator === 'In');
  return expr ? (expr.values ?? []) : undefined;
}
