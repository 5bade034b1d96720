// What a cluster would have told the webhook, as far as the items tell it: Namespaces (for
// namespaceSelector), ServiceAccounts (imagePullSecrets, for the ServiceAccount admission plugin),
// LimitRanges (resourcesPolicy), ControllerRevisions (injectionStrategy.revision) and Kruise's
// kruise-configuration ConfigMap (the patchPodMetadata whitelist).
import type { V1LocalObjectReference } from '@kubernetes/client-node';
import type { Options, PatchMetadataWhitelistRule } from '../config/options.js';
import { isPlainObject } from '../util/json.js';
import { result, type Result } from '../krm/results.js';
import { subjectOf } from '../krm/annotations.js';

export interface ClusterInputs {
  namespaces: Array<{ name: string; labels: Record<string, string> }>;
  /** `namespace/name` of each ServiceAccount → its imagePullSecrets. */
  serviceAccountPullSecrets: Map<string, V1LocalObjectReference[]>;
  /** namespace → its LimitRange objects. */
  limitRanges: Map<string, unknown[]>;
  controllerRevisions: unknown[];
  whitelist: { rules: PatchMetadataWhitelistRule[] } | 'absent' | undefined;
}

// Kruise reads the whitelist from this ConfigMap (pkg/util/configuration/configuration.go,
// SidecarSetPatchMetadataWhiteListKey).
const WHITELIST_CONFIGMAP = 'kruise-configuration';
const WHITELIST_KEY = 'SidecarSet_PatchPodMetadata_WhiteList';

export function clusterInputs(objects: readonly unknown[], options: Options, results: Result[]): ClusterInputs {
  const inputs: ClusterInputs = {
    namespaces: [],
    serviceAccountPullSecrets: new Map(),
    limitRanges: new Map(),
    controllerRevisions: [],
    whitelist: options.patchMetadataWhitelist,
  };
  for (const obj of objects) {
    if (!isPlainObject(obj) || !isPlainObject(obj.metadata) || typeof obj.metadata.name !== 'string') continue;
    const name = obj.metadata.name;
    const namespace =
      typeof obj.metadata.namespace === 'string' && obj.metadata.namespace ? obj.metadata.namespace : options.defaultNamespace;
    const labels = isPlainObject(obj.metadata.labels) ? (obj.metadata.labels as Record<string, string>) : {};
    const core = obj.apiVersion === 'v1';
    if (core && obj.kind === 'Namespace') inputs.namespaces.push({ name, labels });
    else if (core && obj.kind === 'ServiceAccount') {
      const secrets = Array.isArray(obj.imagePullSecrets) ? (obj.imagePullSecrets as V1LocalObjectReference[]) : [];
      inputs.serviceAccountPullSecrets.set(`${namespace}/${name}`, secrets);
    } else if (core && obj.kind === 'LimitRange') {
      inputs.limitRanges.set(namespace, [...(inputs.limitRanges.get(namespace) ?? []), obj]);
    } else if (obj.apiVersion === 'apps/v1' && obj.kind === 'ControllerRevision') {
      inputs.controllerRevisions.push(obj);
    } else if (core && obj.kind === 'ConfigMap' && name === WHITELIST_CONFIGMAP && options.patchMetadataWhitelist === undefined) {
      const whitelist = readWhitelist(obj, results);
      if (whitelist !== undefined) inputs.whitelist = whitelist;
    }
  }
  return inputs;
}

/** The whitelist, 'absent' when the ConfigMap has none, undefined when it does not parse (reported). */
function readWhitelist(
  configMap: Record<string, unknown>,
  results: Result[],
): { rules: PatchMetadataWhitelistRule[] } | 'absent' | undefined {
  const data = isPlainObject(configMap.data) ? configMap.data[WHITELIST_KEY] : undefined;
  if (typeof data !== 'string') return 'absent';
  try {
    const parsed: unknown = JSON.parse(data);
    const rules = isPlainObject(parsed) && Array.isArray(parsed.rules) ? parsed.rules : [];
    return { rules: rules as PatchMetadataWhitelistRule[] };
  } catch (e) {
    results.push(
      result(
        'error',
        `${WHITELIST_CONFIGMAP} ConfigMap: ${WHITELIST_KEY} is not valid JSON (${(e as Error).message})`,
        subjectOf(configMap),
        { field: `data.${WHITELIST_KEY}` },
      ),
    );
    return undefined;
  }
}
