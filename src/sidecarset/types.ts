// The SidecarSet API as the pod webhook sees it: the stored (v1beta1, defaulted) form.
// Kubernetes core types come from @kubernetes/client-node as types only, so the bundle stays small.
import type { V1Container, V1LabelSelector, V1LocalObjectReference, V1ObjectFieldSelector, V1Volume } from '@kubernetes/client-node';

export type LabelSelector = V1LabelSelector;
export type Volume = V1Volume;
export type Container = V1Container;

// Kruise's values (apis/apps/v1alpha1/sidecarset_types.go). Go's named string types take any string:
// Kruise does not check patchPolicy's value nor an init container's podInjectPolicy, so the code that
// reads them keeps a branch for other strings.
export type PodInjectPolicy = 'BeforeAppContainer' | 'AfterAppContainer';
export type PatchPolicy = 'Retain' | 'Overwrite' | 'MergePatchJson';

export interface TransferEnvVar {
  sourceContainerName?: string;
  sourceContainerNameFrom?: { fieldRef?: V1ObjectFieldSelector };
  envName?: string;
  envNames?: string[];
}

export interface ResourceExprs {
  cpu?: string;
  memory?: string;
}

export interface ResourcesPolicy {
  targetContainersMode: string; // 'sum' | 'max' (other values only when the CRD enum was bypassed)
  targetContainersNameRegex?: string;
  resourcesExpr: { limits?: ResourceExprs; requests?: ResourceExprs };
}

/** A core Container plus the SidecarSet-only fields, all at the same level (Go inlines Container). */
export interface SidecarContainer extends V1Container {
  podInjectPolicy?: PodInjectPolicy;
  upgradeStrategy?: { upgradeType?: string; hotUpgradeEmptyImage?: string };
  shareVolumePolicy?: { type?: string };
  shareVolumeDevicePolicy?: { type?: string };
  transferEnv?: TransferEnvVar[];
  resourcesPolicy?: ResourcesPolicy;
}

export interface PatchPodMetadata {
  annotations?: Record<string, string>;
  /**
   * Kruise's validation only asks for a value: another string (which only the schema lets through) patches nothing
   * (pkg/control/sidecarcontrol/util.go, PatchPodMetadata).
   */
  patchPolicy?: PatchPolicy;
}

export interface InjectionRevision {
  customVersion?: string;
  revisionName?: string;
  policy?: string; // 'Always' | 'Partial'
}

export interface SidecarSetSpec {
  selector?: LabelSelector;
  namespace?: string; // v1alpha1 only; converted into namespaceSelector
  namespaceSelector?: LabelSelector;
  initContainers?: SidecarContainer[];
  containers?: SidecarContainer[];
  volumes?: Volume[];
  updateStrategy?: {
    type?: string;
    partition?: number | string;
    maxUnavailable?: number | string;
    selector?: LabelSelector;
    paused?: boolean;
    [key: string]: unknown;
  };
  injectionStrategy?: { paused?: boolean; revision?: InjectionRevision };
  imagePullSecrets?: V1LocalObjectReference[];
  revisionHistoryLimit?: number;
  patchPodMetadata?: PatchPodMetadata[];
  customVersion?: string; // v1beta1 only
  // inject-sidecarsets extension (seed KEP): see README "ServiceAccount injection"
  serviceAccountName?: string;
  errorWhenServiceAccountInjectionConflict?: boolean;
}

export interface SidecarSet {
  apiVersion: string;
  kind: 'SidecarSet';
  metadata: {
    name: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  spec: SidecarSetSpec;
  status?: { latestRevision?: string; [key: string]: unknown };
}
