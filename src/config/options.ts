// The function's options: every knob of the InjectSidecarSets config kind, with its default. The
// other places that name them (config.schema.json, the ConfigMap form in forms.ts, `--help`, the
// Argo CD plugin's parameters) take their values and defaults from here where they are code, and
// test/config/options-agree.test.ts holds the rest to them. What each option does, for users, is
// its `description` in config.schema.json; the comments below are notes for this code.

export const UNDECIDABLE_NAMESPACE_POLICIES = ['error', 'assumeNoMatch', 'assumeMatch'] as const;
export type UndecidableNamespacePolicy = (typeof UNDECIDABLE_NAMESPACE_POLICIES)[number];
export const PARTIAL_REVISION_POLICIES = ['error', 'latest', 'historic'] as const;
export type PartialRevisionPolicy = (typeof PARTIAL_REVISION_POLICIES)[number];
export const MISSING_SERVICE_ACCOUNT_SEVERITIES = ['warning', 'error'] as const;
export const FAIL_ON_SEVERITIES = ['error', 'warning'] as const;
export type TokenScope = 'Pod' | 'Sidecars';
/**
 * What a run does: inject (and write), validate (items unchanged, an error per template that
 * injection would change), explain (items unchanged, why each SidecarSet does or does not apply),
 * uninject (remove what this function injected and give back what it overwrote).
 */
export type Mode = 'inject' | 'validate' | 'explain' | 'uninject';
export const MODES: readonly Mode[] = ['inject', 'validate', 'explain', 'uninject'];

/** An extra workload kind, like a kustomize fieldSpec: where its pod template lives. */
export interface WorkloadKindSpec {
  group: string; // '' for the core group
  version?: string; // any version when absent
  kind: string;
  path: string; // slash-separated, e.g. 'spec/template' or 'spec/jobTemplate/spec/template'
}

export interface PatchMetadataWhitelistRule {
  selector?: import('@kubernetes/client-node').V1LabelSelector;
  allowedAnnotationKeyExprs: string[];
}

export interface Options {
  mode: Mode;
  /** With mode uninject: only this injection step's injection is removed (all steps' when absent). */
  uninjectStep?: string;
  /** Namespace of workloads without metadata.namespace (before falling back to `default`). */
  defaultNamespace: string;
  /** Labels of namespaces that are not among the items, for namespaceSelector. */
  namespaceLabels: Record<string, Record<string, string>>;
  /** What to do when a namespaceSelector cannot be decided from what is known. */
  undecidableNamespaceSelector: UndecidableNamespacePolicy;
  /** Extra workload kinds on top of the built-in table. */
  workloadKinds: WorkloadKindSpec[];
  /** Whether SidecarSets among the items are rules too (always true when the config carries none). */
  sidecarSetsFromItems: boolean;
  featureGates: {
    EnableSortSidecarContainerByName: boolean;
    SidecarSetPatchPodMetadataDefaultsAllowed: boolean;
    SidecarSetServiceAccountInjection: boolean;
  };
  /** RFC 3339 UTC seconds; stands in for Kruise's admission time in the hash annotations. */
  injectionTimestamp?: string;
  partialRevision: PartialRevisionPolicy;
  /** Emit merge(v, v) on the first MergePatchJson write so a second run is a fixed point. */
  normalizeMergePatchOnFirstWrite: boolean;
  /**
   * Before injecting, remove what an earlier run of this function injected for SidecarSets that no
   * longer apply or have changed (recognised by the timestamp this function writes).
   */
  stripPreviousInjection: boolean;
  /**
   * This injection step's identity, when the one derived from the config (config/forms.ts
   * `stepIdentity`) does not fit, e.g. two unnamed Lists in one pipeline.
   */
  step?: string;
  /** Kruise's patchPodMetadata whitelist; off unless configured (or a kruise-configuration ConfigMap is among the items). */
  patchMetadataWhitelist?: { rules: PatchMetadataWhitelistRule[] };
  /** ServiceAccounts that exist but are not among the items: `namespace/name`. */
  serviceAccountsManagedElsewhere: string[];
  /** Severity of a ServiceAccount named by a SidecarSet but found nowhere. */
  missingServiceAccount: (typeof MISSING_SERVICE_ACCOUNT_SEVERITIES)[number];
  /**
   * The lowest severity that fails the run. kustomize shows a legacy exec plugin's stderr (and
   * Argo CD a generate step's) only when it fails: `warning` is how their users get to see warnings.
   */
  failOn: (typeof FAIL_ON_SEVERITIES)[number];
}

export const DEFAULT_OPTIONS: Options = {
  mode: 'inject',
  defaultNamespace: 'default',
  namespaceLabels: {},
  undecidableNamespaceSelector: 'error',
  workloadKinds: [],
  sidecarSetsFromItems: false,
  featureGates: {
    EnableSortSidecarContainerByName: false,
    SidecarSetPatchPodMetadataDefaultsAllowed: false,
    SidecarSetServiceAccountInjection: true,
  },
  partialRevision: 'error',
  normalizeMergePatchOnFirstWrite: true,
  stripPreviousInjection: true,
  serviceAccountsManagedElsewhere: [],
  missingServiceAccount: 'warning',
  failOn: 'error',
};
