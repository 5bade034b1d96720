// What a SidecarSet asks for that a render cannot see (README, "Differences from the Kruise webhook"): labels that controllers add to
// pods only when they create them, and Kruise's container launch priority.
import type { LabelSelector, SidecarSet } from './types.js';
import { selectorKeys } from '../k8s/selector.js';

/** Labels and annotations set on pods by their controllers at creation, absent from templates. */
const CONTROLLER_KEYS = new Set([
  'pod-template-hash',
  'controller-revision-hash',
  'statefulset.kubernetes.io/pod-name',
  'apps.kubernetes.io/pod-index',
  'pod-template-generation',
  'job-name',
  'controller-uid',
  'batch.kubernetes.io/job-name',
  'batch.kubernetes.io/controller-uid',
  'batch.kubernetes.io/job-completion-index',
  'apps.kruise.io/cloneset-instance-id',
]);

const LAUNCH_PRIORITY_ENV = 'KRUISE_CONTAINER_PRIORITY';

export interface RenderTimeWarning {
  path: string;
  message: string;
}

export function renderTimeWarnings(set: SidecarSet): RenderTimeWarning[] {
  const warnings: RenderTimeWarning[] = [];
  const selector = (sel: LabelSelector | undefined, path: string) => {
    for (const key of sel ? selectorKeys(sel) : []) {
      if (CONTROLLER_KEYS.has(key)) {
        warnings.push({
          path,
          message:
            `selects on ${key}, a label that controllers put on pods only when they create them: templates do not ` +
            `carry it, so what matches here can differ from what matches in the cluster`,
        });
      }
    }
  };
  selector(set.spec.selector, 'spec.selector');
  for (const kind of ['initContainers', 'containers'] as const) {
    (set.spec[kind] ?? []).forEach((c, i) => {
      (c.transferEnv ?? []).forEach((t, j) => {
        const key = /\['([^']*)'\]$/.exec(t.sourceContainerNameFrom?.fieldRef?.fieldPath ?? '')?.[1];
        if (key !== undefined && CONTROLLER_KEYS.has(key)) {
          warnings.push({
            path: `spec.${kind}[${i}].transferEnv[${j}].sourceContainerNameFrom.fieldRef.fieldPath`,
            message:
              `reads ${key}, which controllers set only on the pods they create: the template does not carry it, ` +
              `so this transferEnv resolves nothing here`,
          });
        }
      });
      if ((c.env ?? []).some((e) => e.name === LAUNCH_PRIORITY_ENV)) {
        warnings.push({
          path: `spec.${kind}[${i}].env`,
          message:
            `sets ${LAUNCH_PRIORITY_ENV}: Kruise's container launch priority runs after injection and needs the ` +
            `pod's name, so it is left to the cluster`,
        });
      }
    });
  }
  return warnings;
}
