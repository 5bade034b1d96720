// patchPodMetadata (pkg/control/sidecarcontrol/util.go, PatchPodMetadata): SidecarSets patch pod annotations before anything is injected.
import type { PatchPodMetadata } from '../sidecarset/types.js';
import { jsonMergePatch } from './merge-patch.js';

export interface PatchPodMetadataOptions {
  /**
   * Idempotency (ARCHITECTURE.md): when MergePatchJson writes a key for the first time, store merge(v, v) instead of v
   * verbatim, so that running the function again on its output changes nothing.
   */
  normalizeMergePatchOnFirstWrite: boolean;
}

export interface PatchPodMetadataError {
  sidecarSet: string;
  key: string;
  message: string;
}

export interface PatchPodMetadataResult {
  annotations: Record<string, string>;
  /** Keys whose final value differs from the input (added or changed), sorted. */
  changedKeys: string[];
  /** MergePatchJson failures; Kruise rejects the pod on the first one. The key keeps its value. */
  errors: PatchPodMetadataError[];
}

export function applyPatchPodMetadata(
  annotations: Record<string, string>,
  sidecarSets: Array<{ name: string; patchPodMetadata?: PatchPodMetadata[] }>,
  opts: PatchPodMetadataOptions,
): PatchPodMetadataResult {
  const current = new Map(Object.entries(annotations));
  const errors: PatchPodMetadataError[] = [];

  for (const sidecarSet of sidecarSets) {
    for (const entry of sidecarSet.patchPodMetadata ?? []) {
      for (const [key, value] of Object.entries(entry.annotations ?? {})) {
        const existing = current.get(key);
        switch (entry.patchPolicy ?? '') {
          case 'Retain':
          case '':
            // Present-but-empty counts as present.
            if (existing === undefined) current.set(key, value);
            break;
          case 'Overwrite':
            current.set(key, value);
            break;
          case 'MergePatchJson':
            if (existing === undefined || existing === '') {
              current.set(key, firstWrite(value, opts));
            } else {
              const merged = jsonMergePatch(existing, value);
              if (merged.ok) current.set(key, merged.value);
              else errors.push({ sidecarSet: sidecarSet.name, key, message: merged.error });
            }
            break;
          default:
            // Unknown policies are ignored by Kruise.
            break;
        }
      }
    }
  }

  const changedKeys = [...current.keys()].filter((key) => !Object.hasOwn(annotations, key) || annotations[key] !== current.get(key)).sort();
  return { annotations: Object.fromEntries(current), changedKeys, errors };
}

/**
 * Kruise stores the first value verbatim. With normalisation, a value that cannot merge with
 * itself (not JSON, a scalar, null) is still stored verbatim: that is what one Kruise admission does.
 */
function firstWrite(value: string, opts: PatchPodMetadataOptions): string {
  if (!opts.normalizeMergePatchOnFirstWrite) return value;
  const normalised = jsonMergePatch(value, value);
  return normalised.ok ? normalised.value : value;
}
