// Find the pod templates of an item and put changed ones back.
import type { V1PodSpec } from '@kubernetes/client-node';
import { isPlainObject } from '../util/json.js';
import { withNullsOf, withoutNulls } from '../util/nulls.js';
import { templatePathsFor, type WorkloadKind } from './kinds.js';

export interface PodMetadata {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

/** A pod template as the webhook would see the pod: labels/annotations of the template, its spec. */
export interface PodTemplate {
  metadata?: PodMetadata;
  spec: V1PodSpec;
  [key: string]: unknown;
}

export interface PodTemplateRef {
  /** Path from the item to the template; [] for a Pod. */
  path: readonly string[];
  template: PodTemplate;
  /** The pod's namespace: the workload's, else the configured default, else `default`. */
  namespace: string;
  /** Prefix for result field paths, e.g. `spec.template.` ('' for a Pod). */
  fieldPrefix: string;
  /** The template as written, when it has null fields, which `template` leaves out (util/nulls.ts). */
  source?: Record<string, unknown>;
}

/**
 * The free-form maps of a pod template (Go map[string]X in k8s.io/api/core/v1): a null entry of
 * one is its value's zero value, not an absent field, so it is not pruned.
 */
const POD_STRING_MAPS = new Set([
  'labels',
  'annotations',
  'nodeSelector',
  'matchLabels',
  'limits',
  'requests',
  'overhead',
  'volumeAttributes',
  'options',
]);
const isPodStringMap = (path: readonly string[]) => POD_STRING_MAPS.has(path[path.length - 1]);

export type Skip = { reason: string; fieldPath?: string };

export function locateTemplates(
  obj: Record<string, unknown>,
  table: readonly WorkloadKind[],
  defaultNamespace: string,
): { templates: PodTemplateRef[]; skipped: Skip[] } {
  const templates: PodTemplateRef[] = [];
  const skipped: Skip[] = [];
  if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') return { templates, skipped };
  const paths = templatePathsFor(obj.apiVersion, obj.kind, table);
  if (paths.length === 0) return { templates, skipped };
  const meta = isPlainObject(obj.metadata) ? obj.metadata : {};
  const namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : defaultNamespace || 'default';

  if (obj.kind === 'Rollout' && isPlainObject(obj.spec) && obj.spec.workloadRef !== undefined && obj.spec.template === undefined) {
    skipped.push({
      reason:
        "Rollout uses spec.workloadRef: its pods come from the referenced workload's template, which is injected where " +
        'that workload is rendered',
      fieldPath: 'spec.workloadRef',
    });
    return { templates, skipped };
  }
  for (const path of paths) {
    const source = path.length === 0 ? podAsTemplate(obj) : getPath(obj, path);
    if (!isPlainObject(source)) continue;
    const template = withoutNulls(source, isPodStringMap);
    if (!isPlainObject(template.spec)) continue;
    if (path.length === 0) {
      const inactive = inactivePodReason(obj);
      if (inactive) {
        skipped.push({ reason: inactive });
        continue;
      }
    }
    templates.push({
      path,
      template: template as unknown as PodTemplate,
      namespace,
      fieldPrefix: path.length === 0 ? '' : path.join('.') + '.',
      ...(template === source ? {} : { source }),
    });
  }
  return { templates, skipped };
}

/** The injected template as it goes back into the item: with the nulls of the source it left unfilled. */
export function templateToWrite(ref: PodTemplateRef, injected: PodTemplate): PodTemplate {
  return ref.source ? withNullsOf(ref.source, injected) : injected;
}

function podAsTemplate(pod: Record<string, unknown>): Record<string, unknown> {
  return pod.metadata === undefined ? { spec: pod.spec } : { metadata: pod.metadata, spec: pod.spec };
}

function inactivePodReason(pod: Record<string, unknown>): string | undefined {
  const phase = isPlainObject(pod.status) ? pod.status.phase : undefined;
  if (phase === 'Succeeded' || phase === 'Failed') return `Pod is not active (status.phase ${phase})`;
  if (isPlainObject(pod.metadata) && pod.metadata.deletionTimestamp) return 'Pod is being deleted (metadata.deletionTimestamp)';
  return undefined;
}

function getPath(obj: unknown, path: readonly string[]): unknown {
  let cur = obj;
  for (const key of path) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/** The item with the template at `path` replaced (a Pod gets its metadata and spec replaced). */
export function withTemplate(obj: Record<string, unknown>, path: readonly string[], template: PodTemplate): Record<string, unknown> {
  if (path.length === 0) {
    const out: Record<string, unknown> = { ...obj };
    if (template.metadata !== undefined) {
      if (!('metadata' in out)) return insertAfterKind({ ...out }, template);
      out.metadata = template.metadata;
    }
    out.spec = template.spec;
    return out;
  }
  const [head, ...rest] = path;
  const child = obj[head];
  return {
    ...obj,
    [head]: rest.length === 0 ? template : withTemplate(isPlainObject(child) ? child : {}, rest, template),
  };
}

function insertAfterKind(obj: Record<string, unknown>, template: PodTemplate): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    out[k] = k === 'spec' ? template.spec : v;
    if (k === 'kind') out.metadata = template.metadata;
  }
  if (!('metadata' in out)) out.metadata = template.metadata;
  return out;
}
