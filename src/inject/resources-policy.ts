// resourcesPolicy (pkg/webhook/pod/mutating/sidecarset_resources.go, applyResourcesPolicy): size a sidecar from the resources of the pod's
// own containers.
import type { Container, SidecarContainer } from '../sidecarset/types.js';
import { Quantity } from '../k8s/quantity.js';
import { evaluateResourceExpr } from '../sidecarset/resources-expr.js';
import { compileNameRegex } from '../util/go-regexp.js';

type QuantityList = Record<string, string | number>;
/** A v1 LimitRange as plain data (client-node's class renames `default` to `_default`). */
export interface LimitRange {
  metadata?: { name?: string };
  spec?: {
    limits?: Array<{ type?: string; max?: QuantityList; min?: QuantityList; default?: QuantityList; defaultRequest?: QuantityList }>;
  };
}
export type ResourceMap = Record<string, string>;

export type SidecarResourcesOutcome =
  { ok: true; resources: { limits?: ResourceMap; requests?: ResourceMap }; warnings: string[] } | { ok: false; error: string };

const SIZED_RESOURCES = ['cpu', 'memory'] as const;
type SizedResource = (typeof SIZED_RESOURCES)[number];
type Aggregate = Partial<Record<SizedResource, Quantity>>;

/** A container's quantities as the webhook would see them, parsed. */
interface ContainerResources {
  name: string;
  limits: Map<string, Quantity>;
  requests: Map<string, Quantity>;
}

// ---------------------------------------------------------------------------------------------
// Pod-side emulation: what the webhook sees after apiserver defaulting and LimitRanger.
// ---------------------------------------------------------------------------------------------

type QuantityInput = Record<string, unknown> | undefined;

function parseResourceList(list: QuantityInput, where: string): Map<string, Quantity> | string {
  const parsed = new Map<string, Quantity>();
  if (typeof list !== 'object' || list === null) return parsed;
  for (const [name, raw] of Object.entries(list)) {
    if (typeof raw !== 'string' && typeof raw !== 'number') return `${where}[${name}]: quantity must be a string`;
    try {
      // apiserver defaulting rounds every container quantity up to milli precision.
      parsed.set(name, Quantity.parse(String(raw)).roundUpToMilli());
    } catch (error) {
      return `${where}[${name}]: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  return parsed;
}

/** A LimitRange `Container` item after apiserver defaulting: default ← max, defaultRequest ← default, then min. */
interface ContainerDefaults {
  limits: Map<string, Quantity>;
  requests: Map<string, Quantity>;
}

function limitRangeDefaults(limitRange: LimitRange, where: string): ContainerDefaults | string {
  const defaults: ContainerDefaults = { limits: new Map(), requests: new Map() };
  const items = limitRange?.spec?.limits;
  if (!Array.isArray(items)) return defaults;
  for (const [index, item] of items.entries()) {
    if (typeof item !== 'object' || item === null || item.type !== 'Container') continue;
    const lists: Record<'max' | 'min' | 'default' | 'defaultRequest', Map<string, Quantity>> = {
      max: new Map(),
      min: new Map(),
      default: new Map(),
      defaultRequest: new Map(),
    };
    for (const key of ['max', 'min', 'default', 'defaultRequest'] as const) {
      const parsed = parseResourceList(item[key], `${where}.spec.limits[${index}].${key}`);
      if (typeof parsed === 'string') return parsed;
      lists[key] = parsed;
    }
    for (const [name, value] of lists.max) if (!lists.default.has(name)) lists.default.set(name, value);
    for (const [name, value] of lists.default) if (!lists.defaultRequest.has(name)) lists.defaultRequest.set(name, value);
    for (const [name, value] of lists.min) if (!lists.defaultRequest.has(name)) lists.defaultRequest.set(name, value);
    // Within one LimitRange a later Container item overrides an earlier one (LimitRanger builds a map).
    for (const [name, value] of lists.default) defaults.limits.set(name, value);
    for (const [name, value] of lists.defaultRequest) defaults.requests.set(name, value);
  }
  return defaults;
}

function seenByWebhook(container: Container, kind: string, limitRanges: readonly ContainerDefaults[]): ContainerResources | string {
  const where = `${kind} ${JSON.stringify(container.name)} resources`;
  const limits = parseResourceList(container.resources?.limits as QuantityInput, `${where}.limits`);
  if (typeof limits === 'string') return limits;
  const requests = parseResourceList(container.resources?.requests as QuantityInput, `${where}.requests`);
  if (typeof requests === 'string') return requests;
  // Pod defaulting (at decode, before admission): a limit without a request becomes the request.
  for (const [name, value] of limits) if (!requests.has(name)) requests.set(name, value);
  // LimitRanger (mutating admission, before the webhook) only fills what is still missing.
  for (const defaults of limitRanges) {
    for (const [name, value] of defaults.limits) if (!limits.has(name)) limits.set(name, value);
    for (const [name, value] of defaults.requests) if (!requests.has(name)) requests.set(name, value);
  }
  return { name: container.name, limits, requests };
}

// ---------------------------------------------------------------------------------------------
// Aggregation and evaluation
// ---------------------------------------------------------------------------------------------

function aggregate(targets: readonly ContainerResources[], mode: string): { limits: Aggregate; requests: Aggregate } {
  const limits: Aggregate = {};
  const requests: Aggregate = {};
  if (mode !== 'sum' && mode !== 'max') return { limits, requests };
  for (const resource of SIZED_RESOURCES) {
    const everyLimit = targets.every((target) => target.limits.has(resource));
    if (mode === 'sum') {
      if (everyLimit) limits[resource] = sum(targets.map((target) => target.limits.get(resource)!));
      const requestTotal = sum(targets.flatMap((target) => target.requests.get(resource) ?? []));
      if (!requestTotal.isZero()) requests[resource] = requestTotal;
    } else {
      if (everyLimit) limits[resource] = largest(targets.map((target) => target.limits.get(resource)!));
      const present = targets.flatMap((target) => target.requests.get(resource) ?? []);
      if (present.length > 0) requests[resource] = largest(present);
    }
  }
  return { limits, requests };
}

/** Go's Quantity.Add from a decimal zero: the running total takes the format of whatever is added to a zero. */
function sum(values: readonly Quantity[]): Quantity {
  return values.reduce((total, value) => total.add(value), Quantity.fromMilli(0n, 'DecimalSI'));
}

/** The first of the largest values, unchanged. */
function largest(values: readonly Quantity[]): Quantity {
  return values.reduce((best, value) => (value.cmp(best) > 0 ? value : best));
}

/** Unvalidated input: skip anything that is not a container object. */
function containersOf(list: unknown): Container[] {
  return Array.isArray(list) ? list.filter((item): item is Container => typeof item === 'object' && item !== null) : [];
}

const RESOURCE_LABEL: Record<SizedResource, string> = { cpu: 'CPU', memory: 'memory' };

/**
 * Computes the `resources` that replace a sidecar's own when it has a `resourcesPolicy`, from the
 * pod as the Kruise webhook would see it. `forbiddenNames` are the container and init container
 * names of every matched SidecarSet (never targets). `limitRanges`, when given, are the namespace's
 * LimitRange objects (possibly none); when omitted, targets missing a request or limit that an
 * expression depends on produce a warning, since a LimitRange in the cluster could fill them in.
 */
export function computeSidecarResources(args: {
  sidecar: SidecarContainer;
  pod: { spec: { containers?: Container[]; initContainers?: Container[] } };
  forbiddenNames: ReadonlySet<string>;
  limitRanges?: readonly LimitRange[];
}): SidecarResourcesOutcome {
  const policy = args.sidecar.resourcesPolicy;
  if (!policy) return { ok: false, error: `container ${JSON.stringify(args.sidecar.name)} has no resourcesPolicy` };
  const pattern = policy.targetContainersNameRegex ?? '';
  const regex = compileNameRegex(pattern);
  if (!regex.ok) {
    return { ok: false, error: `failed to get target containers: invalid regex pattern ${JSON.stringify(pattern)}: ${regex.error}` };
  }

  const defaults: ContainerDefaults[] = [];
  for (const [index, limitRange] of (args.limitRanges ?? []).entries()) {
    const parsed = limitRangeDefaults(limitRange, `LimitRange ${JSON.stringify(limitRange?.metadata?.name ?? String(index))}`);
    if (typeof parsed === 'string') return { ok: false, error: parsed };
    defaults.push(parsed);
  }

  const candidates: Array<[Container, string]> = [
    ...containersOf(args.pod.spec?.initContainers)
      .filter((container) => container.restartPolicy === 'Always')
      .map((container): [Container, string] => [container, 'init container']),
    ...containersOf(args.pod.spec?.containers).map((container): [Container, string] => [container, 'container']),
  ];
  const targets: ContainerResources[] = [];
  for (const [container, kind] of candidates) {
    const name = String(container.name ?? '');
    if (args.forbiddenNames.has(name) || !regex.test(name)) continue;
    const seen = seenByWebhook(container, kind, defaults);
    if (typeof seen === 'string') return { ok: false, error: `invalid quantity in ${seen}` };
    targets.push(seen);
  }
  if (targets.length === 0) return { ok: false, error: `no containers match the regex pattern ${JSON.stringify(pattern)}` };

  const aggregates = aggregate(targets, policy.targetContainersMode);
  const expressions = policy.resourcesExpr ?? {};
  const resources: { limits?: ResourceMap; requests?: ResourceMap } = {};
  const warnings: string[] = [];
  const missing = new Map<string, string[]>();
  const noteMissing = (field: 'limits' | 'requests', resource: SizedResource) => {
    if (args.limitRanges !== undefined) return;
    for (const target of targets) {
      if (target[field].has(resource)) continue;
      missing.set(target.name, [...(missing.get(target.name) ?? []), `${field}.${resource}`]);
    }
  };

  for (const field of ['limits', 'requests'] as const) {
    const computed: ResourceMap = {};
    for (const resource of SIZED_RESOURCES) {
      const expr = expressions[field]?.[resource] ?? '';
      if (expr === '') continue;
      noteMissing(field, resource);
      const value = aggregates[field][resource];
      // An absent limit aggregate means "unlimited": the sidecar gets no limit, whatever the expression.
      if (field === 'limits' && value === undefined) continue;
      const outcome = evaluateResourceExpr(expr, value ?? Quantity.zero());
      if (!outcome.ok) {
        return { ok: false, error: `failed to evaluate ${RESOURCE_LABEL[resource]} ${field} expression: ${outcome.error}` };
      }
      computed[resource] = outcome.value.toString();
    }
    if (Object.keys(computed).length > 0) resources[field] = computed;
  }

  for (const [name, fields] of missing) {
    warnings.push(
      `resourcesPolicy of sidecar ${JSON.stringify(args.sidecar.name)}: target container ${JSON.stringify(name)} has no ` +
        `${fields.join(', ')}; ` +
        'a LimitRange in the namespace could default it at pod creation and change the computed resources (provide the ' +
        'LimitRange objects to take them into account)',
    );
  }
  return { ok: true, resources, warnings };
}
