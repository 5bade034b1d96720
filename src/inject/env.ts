// transferEnv (pkg/control/sidecarcontrol/util.go, GetSidecarTransferEnvs) and the env merge of
// pkg/webhook/pod/mutating/sidecarset.go, buildSidecars. Lists are new; their elements are
// shared with the pod and the SidecarSet (the pipeline encodes them into new objects).
import type { V1Container, V1EnvVar } from '@kubernetes/client-node';
import type { SidecarContainer, TransferEnvVar } from '../sidecarset/types.js';
import { qualifiedNameProblems, splitSubscriptedPath } from '../k8s/validation.js';
import { byteOrder } from '../util/go-string-order.js';

/** Marks a container as injected by Kruise; such containers are never app containers. */
export const INJECTED_ENV_NAME = 'IS_INJECTED';

export interface TransferEnvWarning {
  /** Relative to the sidecar container, e.g. `transferEnv[0]`. */
  path: string;
  message: string;
}

/**
 * Envs copied from pod containers into the sidecar, in Kruise's order (entries in spec order,
 * names sorted within an entry). Duplicates are kept; mergeSidecarEnv drops them.
 * Kruise skips unresolvable entries silently; they are reported here as warnings.
 */
export function transferEnvs(
  podContainers: V1Container[],
  podLabels: Record<string, string>,
  podAnnotations: Record<string, string>,
  sidecar: SidecarContainer,
): { envs: V1EnvVar[]; warnings: TransferEnvWarning[] } {
  const envsByContainer = new Map<string, Map<string, V1EnvVar>>();
  for (const container of podContainers) {
    const name = container.name ?? '';
    const byName = envsByContainer.get(name) ?? new Map<string, V1EnvVar>();
    // A repeated env name (or a repeated container name) overwrites: the last one wins.
    for (const env of container.env ?? []) byName.set(env.name ?? '', env);
    envsByContainer.set(name, byName);
  }

  const envs: V1EnvVar[] = [];
  const warnings: TransferEnvWarning[] = [];
  (sidecar.transferEnv ?? []).forEach((entry, index) => {
    const path = `transferEnv[${index}]`;
    const source = sourceContainerOf(entry, podLabels, podAnnotations);
    if (!source.ok) {
      warnings.push({ path, message: `entry skipped: ${source.error}` });
      return;
    }
    const names = envNamesOf(entry);
    if (names.length === 0) {
      warnings.push({ path, message: 'entry resolved nothing: envName and envNames are empty' });
      return;
    }
    const sourceEnvs = envsByContainer.get(source.name);
    if (sourceEnvs === undefined) {
      const why =
        source.name !== ''
          ? `source container "${source.name}" is not among the pod's containers`
          : source.from !== undefined
            ? `${source.from} is absent or empty on the pod`
            : 'sourceContainerName is empty';
      warnings.push({ path, message: `entry resolved nothing: ${why}` });
      return;
    }
    const missing: string[] = [];
    for (const name of names) {
      const env = sourceEnvs.get(name);
      if (env) envs.push(env);
      else missing.push(name);
    }
    if (missing.length > 0) {
      warnings.push({ path, message: `container "${source.name}" has no env ${missing.join(', ')}; not transferred` });
    }
  });
  return { envs, warnings };
}

/** envName and envNames as a set, in Go's sorted order. */
function envNamesOf(entry: TransferEnvVar): string[] {
  const names = new Set(entry.envNames ?? []);
  if (entry.envName) names.add(entry.envName);
  return [...names].sort(byteOrder);
}

/** The source container name, and the fieldPath it was read from if any. */
function sourceContainerOf(
  entry: TransferEnvVar,
  podLabels: Record<string, string>,
  podAnnotations: Record<string, string>,
): { ok: true; name: string; from?: string } | { ok: false; error: string } {
  const fieldRef = entry.sourceContainerNameFrom?.fieldRef;
  if (fieldRef == null) return { ok: true, name: entry.sourceContainerName ?? '' };
  const fieldPath = fieldRef.fieldPath ?? '';
  const resolved = containerNameFromFieldPath(fieldPath, podLabels, podAnnotations);
  return resolved.ok ? { ...resolved, from: fieldPath } : resolved;
}

/**
 * Kruise's ExtractContainerNameFromFieldPath: only `metadata.labels['<key>']` and
 * `metadata.annotations['<key>']`; a missing label or annotation yields "".
 */
export function containerNameFromFieldPath(
  fieldPath: string,
  podLabels: Record<string, string>,
  podAnnotations: Record<string, string>,
): { ok: true; name: string } | { ok: false; error: string } {
  const split = splitSubscriptedPath(fieldPath);
  if (split === undefined) return { ok: false, error: `unsupported fieldPath: ${fieldPath}` };
  const { path, subscript } = split;
  let source: Record<string, string>;
  let keyProblems: string[];
  if (path === 'metadata.annotations') {
    source = podAnnotations;
    keyProblems = qualifiedNameProblems(goToLower(subscript));
  } else if (path === 'metadata.labels') {
    source = podLabels;
    keyProblems = qualifiedNameProblems(subscript);
  } else {
    return { ok: false, error: `fieldPath "${fieldPath}" does not support subscript` };
  }
  if (keyProblems.length > 0) {
    return { ok: false, error: `invalid key subscript in ${fieldPath}: ${keyProblems.join(';')}` };
  }
  return { ok: true, name: Object.hasOwn(source, subscript) ? source[subscript] : '' };
}

/** Go's strings.ToLower maps U+0130 (İ) to a plain 'i'; JS would add a combining dot. */
function goToLower(s: string): string {
  return s.replace(/\u0130/g, 'i').toLowerCase();
}

/** Go's util.MergeEnvVar: appends the envs whose name is not present yet (first one wins). */
export function appendMissingEnvs(original: V1EnvVar[], additional: V1EnvVar[]): V1EnvVar[] {
  const result = [...original];
  const present = new Set(result.map((env) => env.name));
  for (const env of additional) {
    if (present.has(env.name)) continue;
    present.add(env.name);
    result.push(env);
  }
  return result;
}

/**
 * Step g: the sidecar's own env, then IS_INJECTED=true (appended even when the spec already has
 * one), then every transferred/SubPathExpr env whose name is still free.
 */
export function mergeSidecarEnv(specEnv: V1EnvVar[] | undefined, extra: V1EnvVar[]): V1EnvVar[] {
  return appendMissingEnvs([...(specEnv ?? []), { name: INJECTED_ENV_NAME, value: 'true' }], extra);
}
