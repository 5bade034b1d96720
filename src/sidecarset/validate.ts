// Kruise's validating webhook for SidecarSets (pkg/webhook/sidecarset/validating/sidecarset_create_update_handler.go,
// validateSidecarSet and validateSidecarSetSpec), for what can be checked offline: a
// SidecarSet that fails here would have been rejected by the cluster. Update-only rules (immutable
// canary base, containers that cannot be added or change upgradeType) need the previous object and
// are not checked. Input: a SidecarSet already converted to v1beta1 and defaulted.
import type { Options, PatchMetadataWhitelistRule } from '../config/options.js';
import { validateResourceExpr } from './resources-expr.js';
import { compileNameRegex } from '../util/go-regexp.js';
import { labelSelectorMatches } from '../k8s/selector.js';
import {
  childPointer,
  dns1123SubdomainProblems,
  labelSelectorConversionProblem,
  qualifiedNameProblems,
  splitSubscriptedPath,
  utf8Length,
  validateAnnotations,
  validateLabels,
  validateLabelSelector,
  validateNonNegativeIntOrPercent,
  validatePodParts,
  type FieldError,
} from '../k8s/validation.js';
import type { LabelSelector, ResourceExprs, SidecarContainer, SidecarSet } from './types.js';
import { BASE_ANNOTATION, CANARY_ANNOTATION, CUSTOM_VERSION_LABEL, REVISION_SIDECARSET_LABEL } from './kruise-keys.js';

export type { FieldError } from '../k8s/validation.js';

export interface SidecarSetValidationContext {
  /**
   * ControllerRevisions of the Kruise namespace, for `injectionStrategy.revision`; undefined when
   * none are among the items (the rules stage then reports what it injects instead).
   */
  controllerRevisions?: unknown[];
  /** The patchPodMetadata whitelist: undefined = not enforced; 'absent' = enforced but not found. */
  whitelist?: { rules: PatchMetadataWhitelistRule[] } | 'absent';
  featureGates: Options['featureGates'];
  /** Names of the other SidecarSets that exist (a canary's base must be one of them). */
  otherSidecarSetNames: ReadonlySet<string>;
  sidecarSetsByName: ReadonlyMap<string, SidecarSet>;
}

const SIDECARSET_NAME = /^[a-zA-Z0-9-]+$/;
// Kruise validates a SidecarSet without containers as a pod with this placeholder container.
const PLACEHOLDER_CONTAINER_NAME = 'test';

export function validateSidecarSet(s: SidecarSet, ctx: SidecarSetValidationContext): FieldError[] {
  const spec = s.spec ?? {};
  return [
    ...validateMetadata(s),
    ...validateCanary(s, ctx),
    ...validateNativeSidecarUpdates(s),
    ...validateSelectors(s),
    ...validateInjectionRevision(s, ctx.controllerRevisions),
    ...validateUpdateStrategy(spec.updateStrategy),
    ...validateContainers(s),
    ...validateWhitelist(s, ctx),
    ...validatePatchPodMetadata(s),
    ...validateServiceAccount(s, ctx.featureGates),
  ];
}

function validateMetadata(s: SidecarSet): FieldError[] {
  const name = s.metadata?.name ?? '';
  const errors: FieldError[] = [];
  if (name === '') errors.push({ pointer: '/metadata/name', message: 'name is required' });
  else {
    if (!SIDECARSET_NAME.test(name)) {
      errors.push({ pointer: '/metadata/name', message: `SidecarSet name ${JSON.stringify(name)} must consist of letters, digits or '-'` });
    }
    if (utf8Length(name) > 63) errors.push({ pointer: '/metadata/name', message: 'SidecarSet name must be no more than 63 characters' });
  }
  errors.push(...validateLabels(s.metadata?.labels, '/metadata/labels'));
  errors.push(...validateAnnotations(s.metadata?.annotations, '/metadata/annotations'));
  return errors;
}

export function canaryBaseOf(s: SidecarSet): string | undefined {
  const annotations = s.metadata?.annotations ?? {};
  const base = annotations[BASE_ANNOTATION];
  return annotations[CANARY_ANNOTATION] === 'true' && base ? base : undefined;
}

function validateCanary(s: SidecarSet, ctx: SidecarSetValidationContext): FieldError[] {
  const base = canaryBaseOf(s);
  if (base === undefined) return [];
  const basePointer = childPointer('/metadata/annotations', BASE_ANNOTATION);
  const errors: FieldError[] = [];
  if (base === s.metadata.name) {
    errors.push({ pointer: basePointer, message: 'a canary SidecarSet cannot be its own base' });
  } else if (!ctx.otherSidecarSetNames.has(base) && !ctx.sidecarSetsByName.has(base)) {
    errors.push({ pointer: basePointer, message: `base SidecarSet ${JSON.stringify(base)} of this canary SidecarSet was not found` });
  } else {
    const baseSet = ctx.sidecarSetsByName.get(base);
    if (baseSet && canaryBaseOf(baseSet) !== undefined) {
      errors.push({ pointer: basePointer, message: `base SidecarSet ${JSON.stringify(base)} is itself a canary SidecarSet` });
    }
  }
  if (s.spec?.updateStrategy?.type !== 'NotUpdate') {
    errors.push({
      pointer: '/spec/updateStrategy/type',
      message: 'a canary SidecarSet must use updateStrategy.type: NotUpdate (RollingUpdate is not supported)',
    });
  }
  return errors;
}

function validateNativeSidecarUpdates(s: SidecarSet): FieldError[] {
  if (s.spec?.updateStrategy?.type !== 'RollingUpdate') return [];
  const errors: FieldError[] = [];
  (s.spec.initContainers ?? []).forEach((c, i) => {
    if (c.restartPolicy === 'Always') {
      errors.push({
        pointer: childPointer('/spec/initContainers', i, 'restartPolicy'),
        message:
          `init container ${JSON.stringify(c.name)} is a native sidecar (restartPolicy: Always), which Kruise ` +
          `cannot upgrade in place: set spec.updateStrategy.type to NotUpdate (RollingUpdate is the default)`,
      });
    }
  });
  return errors;
}

/** Kruise's selector rule: valid, convertible (reported a second time when not) and not empty. */
function validateSidecarSetSelector(selector: LabelSelector, pointer: string): FieldError[] {
  const errors = validateLabelSelector(selector, pointer);
  if (Object.keys(selector.matchLabels ?? {}).length + (selector.matchExpressions ?? []).length === 0) {
    errors.push({
      pointer,
      message: 'an empty selector is not valid for a SidecarSet: give at least one matchLabels entry or matchExpressions requirement',
    });
  }
  const conversionProblem = labelSelectorConversionProblem(selector);
  if (conversionProblem) errors.push({ pointer, message: `selector cannot be converted: ${conversionProblem}` });
  return errors;
}

function validateSelectors(s: SidecarSet): FieldError[] {
  const errors: FieldError[] = [];
  if (!s.spec?.selector) errors.push({ pointer: '/spec/selector', message: 'no selector defined for SidecarSet' });
  else errors.push(...validateSidecarSetSelector(s.spec.selector, '/spec/selector'));
  if (s.spec?.namespaceSelector) errors.push(...validateSidecarSetSelector(s.spec.namespaceSelector, '/spec/namespaceSelector'));
  return errors;
}

function validateInjectionRevision(s: SidecarSet, revisions: unknown[] | undefined): FieldError[] {
  const revision = s.spec?.injectionStrategy?.revision;
  if (!revision) return [];
  const pointer = '/spec/injectionStrategy/revision';
  const errors: FieldError[] = [];
  if (revision.revisionName === undefined && revision.customVersion === undefined) {
    errors.push({ pointer, message: 'revisionName and customVersion cannot both be empty' });
  } else if (revisions !== undefined && !findControllerRevision(s, revisions)) {
    const wanted =
      revision.revisionName !== undefined
        ? `named ${JSON.stringify(revision.revisionName)}`
        : `of SidecarSet ${JSON.stringify(s.metadata.name)} with custom version ${JSON.stringify(revision.customVersion)}`;
    errors.push({ pointer, message: `cannot find the ControllerRevision ${wanted} (provide it among the items, in Kruise's namespace)` });
  }
  const policy = revision.policy ?? '';
  if (policy !== '' && policy !== 'Always' && policy !== 'Partial') {
    errors.push({
      pointer: childPointer(pointer, 'policy'),
      message: `invalid policy ${JSON.stringify(policy)}: must be Always or Partial`,
    });
  }
  return errors;
}

/**
 * The ControllerRevision `injectionStrategy.revision` refers to, looked up as Kruise does (pkg/webhook/pod/mutating/sidecarset.go,
 * getSpecificRevisionSidecarSetForPod).
 */
export function findControllerRevision(s: SidecarSet, revisions: unknown[]): Record<string, unknown> | undefined {
  const revision = s.spec?.injectionStrategy?.revision;
  if (!revision) return undefined;
  const candidates = revisions.filter(
    (r): r is { kind: string; metadata: { name?: string; labels?: Record<string, string> }; revision?: number } =>
      typeof r === 'object' &&
      r !== null &&
      (r as { kind?: unknown }).kind === 'ControllerRevision' &&
      typeof (r as { metadata?: unknown }).metadata === 'object' &&
      (r as { metadata?: unknown }).metadata !== null,
  );
  if (revision.revisionName !== undefined) return candidates.find((r) => r.metadata.name === revision.revisionName);
  if (revision.customVersion === undefined) return undefined;
  const matching = candidates.filter(
    (r) =>
      r.metadata.labels?.[REVISION_SIDECARSET_LABEL] === s.metadata.name &&
      r.metadata.labels?.[CUSTOM_VERSION_LABEL] === revision.customVersion,
  );
  return matching.reduce<(typeof matching)[number] | undefined>(
    (best, r) => (best === undefined || Number(r.revision ?? 0) > Number(best.revision ?? 0) ? r : best),
    undefined,
  );
}

function validateUpdateStrategy(strategy: SidecarSet['spec']['updateStrategy']): FieldError[] {
  if (strategy?.type !== 'RollingUpdate') return [];
  const pointer = '/spec/updateStrategy';
  const errors: FieldError[] = [];
  const partitionSet = typeof strategy.partition === 'string' || (typeof strategy.partition === 'number' && strategy.partition !== 0);
  if (partitionSet && strategy.selector) {
    errors.push({ pointer, message: 'partition and selector cannot be used together' });
  }
  if (strategy.selector) errors.push(...validateSidecarSetSelector(strategy.selector, childPointer(pointer, 'selector')));
  errors.push(...validateNonNegativeIntOrPercent(strategy.partition, childPointer(pointer, 'partition')));
  errors.push(...validateNonNegativeIntOrPercent(strategy.maxUnavailable, childPointer(pointer, 'maxUnavailable')));
  const priorityProblem = priorityStrategyProblem(strategy.priorityStrategy);
  if (priorityProblem) errors.push({ pointer: childPointer(pointer, 'priorityStrategy'), message: priorityProblem });
  const scatterProblem = scatterStrategyProblem(strategy.scatterStrategy);
  if (scatterProblem) errors.push({ pointer: childPointer(pointer, 'scatterStrategy'), message: scatterProblem });
  return errors;
}

function priorityStrategyProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { weightPriority = [], orderPriority = [] } = value as {
    weightPriority?: Array<{ weight?: number; matchSelector?: LabelSelector }>;
    orderPriority?: Array<{ orderedKey?: string }>;
  };
  if (weightPriority.length > 0 && orderPriority.length > 0) return 'only one of weightPriority and orderPriority can be used';
  for (const w of weightPriority) {
    const weight = w.weight ?? 0;
    if (weight < 0 || weight > 100) return `weight ${weight} must be in the range 0-100`;
    const selector = w.matchSelector ?? {};
    if (Object.keys(selector.matchLabels ?? {}).length + (selector.matchExpressions ?? []).length === 0) {
      return 'weightPriority matchSelector cannot be empty';
    }
    const problem = labelSelectorConversionProblem(selector);
    if (problem) return `invalid weightPriority matchSelector: ${problem}`;
  }
  if (orderPriority.some((o) => !o.orderedKey)) return 'orderPriority orderedKey cannot be empty';
  return undefined;
}

function scatterStrategyProblem(value: unknown): string | undefined {
  if (!Array.isArray(value)) return undefined;
  const seen = new Set<string>();
  for (const term of value as Array<{ key?: string; value?: string }>) {
    if (!term.key) return 'scatterStrategy key cannot be empty';
    const id = `${term.key}:${term.value ?? ''}`;
    if (seen.has(id)) return `duplicate scatterStrategy term key=${term.key} value=${term.value ?? ''}`;
    seen.add(id);
  }
  return undefined;
}

function validateContainers(s: SidecarSet): FieldError[] {
  const initContainers = s.spec?.initContainers ?? [];
  const containers = s.spec?.containers ?? [];
  const volumes = s.spec?.volumes ?? [];
  if (initContainers.length === 0 && containers.length === 0) {
    return [
      {
        pointer: '/spec',
        message: 'no initContainer or container defined for SidecarSet: give at least one of spec.initContainers, spec.containers',
      },
    ];
  }
  const errors: FieldError[] = [];
  initContainers.forEach((c, i) => {
    const at = childPointer('/spec/initContainers', i);
    if (c.resourcesPolicy) {
      if (c.restartPolicy !== 'Always') {
        errors.push({
          pointer: childPointer(at, 'resourcesPolicy'),
          message: 'resourcesPolicy is only supported on init containers with restartPolicy: Always (native sidecars)',
        });
      }
      errors.push(...validateResourcesPolicy(c, childPointer(at, 'resourcesPolicy')));
    }
  });
  containers.forEach((c, i) => {
    const at = childPointer('/spec/containers', i);
    if (c.podInjectPolicy !== 'BeforeAppContainer' && c.podInjectPolicy !== 'AfterAppContainer') {
      errors.push({
        pointer: childPointer(at, 'podInjectPolicy'),
        message: `unsupported podInjectPolicy ${JSON.stringify(c.podInjectPolicy ?? '')}: must be BeforeAppContainer or AfterAppContainer`,
      });
    }
    const shareType = c.shareVolumePolicy?.type;
    if (shareType !== 'enabled' && shareType !== 'disabled') {
      errors.push({
        pointer: childPointer(at, 'shareVolumePolicy', 'type'),
        message: `unsupported shareVolumePolicy.type ${JSON.stringify(shareType ?? '')}: must be enabled or disabled`,
      });
    }
    errors.push(...validateTransferEnv(c, childPointer(at, 'transferEnv')));
    if (c.resourcesPolicy) errors.push(...validateResourcesPolicy(c, childPointer(at, 'resourcesPolicy')));
  });
  if (containers.length === 0) {
    initContainers.forEach((c, i) => {
      if (c.name === PLACEHOLDER_CONTAINER_NAME) {
        errors.push({
          pointer: childPointer('/spec/initContainers', i, 'name'),
          message:
            `init container name "${PLACEHOLDER_CONTAINER_NAME}" is rejected: Kruise validates a SidecarSet ` +
            `without containers as a pod whose only container is a placeholder of that name`,
        });
      }
    });
  }
  errors.push(...validatePodParts({ initContainers, containers, volumes, pointers: POD_POINTERS }));
  return errors;
}

const POD_POINTERS = { initContainers: '/spec/initContainers', containers: '/spec/containers', volumes: '/spec/volumes' };

function validateTransferEnv(c: SidecarContainer, pointer: string): FieldError[] {
  const errors: FieldError[] = [];
  (c.transferEnv ?? []).forEach((entry, i) => {
    const fieldRef = entry.sourceContainerNameFrom?.fieldRef;
    if (!fieldRef) return;
    const at = childPointer(pointer, i, 'sourceContainerNameFrom', 'fieldRef');
    if (!fieldRef.apiVersion) {
      errors.push({ pointer: childPointer(at, 'apiVersion'), message: 'fieldRef.apiVersion is required' });
      return;
    }
    if (!fieldRef.fieldPath) {
      errors.push({ pointer: childPointer(at, 'fieldPath'), message: 'fieldRef.fieldPath is required' });
      return;
    }
    const converted = fieldRef.apiVersion === 'v1' ? splitSubscriptedPath(fieldRef.fieldPath) : undefined;
    if (!converted || (converted.path !== 'metadata.labels' && converted.path !== 'metadata.annotations')) {
      errors.push({
        pointer: childPointer(at, 'fieldPath'),
        message:
          `unsupported fieldRef ${fieldRef.apiVersion} ${JSON.stringify(fieldRef.fieldPath)}: transferEnv ` +
          `supports only apiVersion v1 with metadata.labels['<key>'] or metadata.annotations['<key>']`,
      });
      return;
    }
    const key = converted.path === 'metadata.annotations' ? converted.subscript.toLowerCase() : converted.subscript;
    for (const problem of qualifiedNameProblems(key)) {
      errors.push({ pointer: childPointer(at, 'fieldPath'), message: `key ${JSON.stringify(converted.subscript)} ${problem}` });
    }
  });
  return errors;
}

function validateResourcesPolicy(c: SidecarContainer, pointer: string): FieldError[] {
  const policy = c.resourcesPolicy!;
  const hasResources = Object.keys(c.resources?.limits ?? {}).length > 0 || Object.keys(c.resources?.requests ?? {}).length > 0;
  if (hasResources) {
    return [{ pointer, message: 'resourcesPolicy and resources (limits/requests) cannot be configured together' }];
  }
  const errors: FieldError[] = [];
  const regex = policy.targetContainersNameRegex ?? '';
  if (regex === '') {
    errors.push({ pointer: childPointer(pointer, 'targetContainersNameRegex'), message: 'targetContainersNameRegex cannot be empty' });
  } else {
    const compiled = compileNameRegex(regex);
    if (!compiled.ok) {
      errors.push({
        pointer: childPointer(pointer, 'targetContainersNameRegex'),
        message: `invalid regex pattern ${JSON.stringify(regex)}: ${compiled.error}`,
      });
    }
  }
  const exprPointer = childPointer(pointer, 'resourcesExpr');
  const { limits, requests } = policy.resourcesExpr ?? {};
  if (!limits && !requests) {
    errors.push({ pointer: exprPointer, message: 'at least one of resourcesExpr.limits or resourcesExpr.requests must be configured' });
    return errors;
  }
  const checkExprs = (exprs: ResourceExprs | undefined, section: 'limits' | 'requests') => {
    for (const resource of ['cpu', 'memory'] as const) {
      const expr = exprs?.[resource];
      if (!expr) continue;
      const problem = validateResourceExpr(expr, resource);
      if (problem) errors.push({ pointer: childPointer(exprPointer, section, resource), message: problem });
    }
  };
  checkExprs(limits, 'limits');
  checkExprs(requests, 'requests');
  return errors;
}

function validateWhitelist(s: SidecarSet, ctx: SidecarSetValidationContext): FieldError[] {
  const patches = s.spec?.patchPodMetadata ?? [];
  if (patches.length === 0 || ctx.whitelist === undefined) return [];
  const pointer = '/spec/patchPodMetadata';
  const defaultsAllowed = ctx.featureGates.SidecarSetPatchPodMetadataDefaultsAllowed;
  if (ctx.whitelist === 'absent') {
    return defaultsAllowed
      ? []
      : [
          {
            pointer,
            message:
              'SidecarSet patch metadata whitelist not found (kruise-configuration ConfigMap, key ' +
              'SidecarSet_PatchPodMetadata_WhiteList), and feature gate SidecarSetPatchPodMetadataDefaultsAllowed is off',
          },
        ];
  }
  const allowedKeyTests: Array<(key: string) => boolean> = [];
  for (const [i, rule] of (ctx.whitelist.rules ?? []).entries()) {
    if (rule.selector) {
      const problem = labelSelectorConversionProblem(rule.selector);
      if (problem) return [{ pointer, message: `whitelist rule ${i} has an invalid selector: ${problem}` }];
      if (!labelSelectorMatches(rule.selector, s.metadata.labels ?? {})) continue;
    }
    for (const expr of rule.allowedAnnotationKeyExprs ?? []) {
      const compiled = compileNameRegex(expr);
      if (!compiled.ok)
        return [{ pointer, message: `whitelist rule ${i} has an invalid regex ${JSON.stringify(expr)}: ${compiled.error}` }];
      allowedKeyTests.push(compiled.test);
    }
  }
  if (allowedKeyTests.length === 0) {
    return defaultsAllowed
      ? []
      : [
          {
            pointer,
            message: 'no patch metadata whitelist rule applies to this SidecarSet, so its patchPodMetadata annotations are not allowed',
          },
        ];
  }
  const errors: FieldError[] = [];
  patches.forEach((patch, i) => {
    for (const key of Object.keys(patch.annotations ?? {}).sort()) {
      if (!allowedKeyTests.some((test) => test(key))) {
        errors.push({
          pointer: childPointer(pointer, i, 'annotations', key),
          message: `patch metadata annotation ${JSON.stringify(key)} is not allowed by the whitelist`,
        });
      }
    }
  });
  return errors;
}

function validatePatchPodMetadata(s: SidecarSet): FieldError[] {
  const errors: FieldError[] = [];
  const seenKeys = new Set<string>();
  (s.spec?.patchPodMetadata ?? []).forEach((patch, i) => {
    const at = childPointer('/spec/patchPodMetadata', i);
    const keys = Object.keys(patch.annotations ?? {});
    if (keys.length === 0)
      errors.push({ pointer: childPointer(at, 'annotations'), message: 'no annotations defined for patchPodMetadata' });
    else errors.push(...validateAnnotations(patch.annotations, childPointer(at, 'annotations')));
    if (!patch.patchPolicy)
      errors.push({ pointer: childPointer(at, 'patchPolicy'), message: 'no patchPolicy defined for patchPodMetadata' });
    for (const key of keys.sort()) {
      if (seenKeys.has(key)) {
        errors.push({
          pointer: childPointer(at, 'annotations', key),
          message: `annotation ${JSON.stringify(key)} is already patched by an earlier patchPodMetadata entry`,
        });
      }
      seenKeys.add(key);
    }
  });
  return errors;
}

function validateServiceAccount(s: SidecarSet, gates: Options['featureGates']): FieldError[] {
  const name = s.spec?.serviceAccountName;
  // With the gate off the field is ignored, as a cluster without the extension prunes it.
  if (!gates.SidecarSetServiceAccountInjection || name === undefined || name === '') return [];
  const pointer = '/spec/serviceAccountName';
  if (name === 'default') {
    return [{ pointer, message: 'serviceAccountName must not be "default": sidecars would get the ServiceAccount pods already use' }];
  }
  return dns1123SubdomainProblems(name).map((p) => ({ pointer, message: `serviceAccountName ${JSON.stringify(name)} ${p}` }));
}
