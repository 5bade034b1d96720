// Where pod templates live, per workload kind. A new workload kind is one row here (or, for
// users, one entry of the config's `workloadKinds`).
import type { WorkloadKindSpec } from '../config/options.js';

export interface WorkloadKind {
  group: string;
  /** Versions this row applies to; every version when absent. */
  versions?: readonly string[];
  kind: string;
  /** Each path leads to one pod template ({metadata, spec}); [] = the object itself is the pod. */
  templatePaths: readonly (readonly string[])[];
}

const TEMPLATE = ['spec', 'template'] as const;

export const BUILTIN_KINDS: readonly WorkloadKind[] = [
  { group: '', kind: 'Pod', templatePaths: [[]] },
  { group: '', kind: 'PodTemplate', templatePaths: [['template']] },
  { group: '', kind: 'ReplicationController', templatePaths: [TEMPLATE] },
  ...['apps', 'extensions'].flatMap((group) =>
    ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet'].map((kind) => ({ group, kind, templatePaths: [TEMPLATE] })),
  ),
  { group: 'batch', kind: 'Job', templatePaths: [TEMPLATE] },
  { group: 'batch', kind: 'CronJob', templatePaths: [['spec', 'jobTemplate', 'spec', 'template']] },
  ...['CloneSet', 'StatefulSet', 'DaemonSet', 'BroadcastJob'].map((kind) => ({
    group: 'apps.kruise.io',
    kind,
    templatePaths: [TEMPLATE],
  })),
  {
    group: 'apps.kruise.io',
    kind: 'AdvancedCronJob',
    templatePaths: [
      ['spec', 'template', 'jobTemplate', 'spec', 'template'],
      ['spec', 'template', 'broadcastJobTemplate', 'spec', 'template'],
    ],
  },
  {
    group: 'apps.kruise.io',
    kind: 'UnitedDeployment',
    templatePaths: ['statefulSetTemplate', 'advancedStatefulSetTemplate', 'cloneSetTemplate', 'deploymentTemplate'].map((t) => [
      'spec',
      'template',
      t,
      'spec',
      'template',
    ]),
  },
  { group: 'argoproj.io', kind: 'Rollout', templatePaths: [TEMPLATE] },
];

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export function configuredKinds(specs: readonly WorkloadKindSpec[]): WorkloadKind[] {
  return specs.map((s) => ({
    group: s.group,
    versions: s.version ? [s.version] : undefined,
    kind: s.kind,
    templatePaths: [s.path.split('/').filter(Boolean)],
  }));
}

/** Template paths of every row matching the object's apiVersion and kind (configured rows add to built-in ones). */
export function templatePathsFor(apiVersion: string, kind: string, table: readonly WorkloadKind[]): (readonly string[])[] {
  const { group, version } = splitApiVersion(apiVersion);
  const paths: (readonly string[])[] = [];
  for (const row of table) {
    if (row.kind !== kind || row.group !== group) continue;
    if (row.versions && !row.versions.includes(version)) continue;
    for (const p of row.templatePaths) {
      if (!paths.some((q) => q.join('/') === p.join('/'))) paths.push(p);
    }
  }
  return paths;
}
