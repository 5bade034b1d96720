// Which of the user's files a kustomize legacy plugin config came from. kustomize hands the plugin a
// re-serialised copy of the transformer in a temporary file (/tmp/kust-plugin-config-…) and the
// directory of the kustomization that lists it in KUSTOMIZE_PLUGIN_CONFIG_ROOT
// (sigs.k8s.io/kustomize/api/internal/plugins/execplugin/execplugin.go, invokePlugin): results
// should name the transformer file the user wrote, not the copy.
import { isAbsolute, join, normalize } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import type { FileRef } from '../krm/results.js';
import { isPlainObject } from '../util/json.js';

/** kustomize's accepted names for a kustomization file (konfig.RecognizedKustomizationFileNames). */
const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/**
 * The file under `transformers:` of the kustomization in `configRoot` that holds an object of the
 * config's kind and name (itself, or an item of a List in it), as the kustomization lists it; the
 * kustomization file itself when no listed file holds it (a remote entry, a directory); undefined
 * when there is no kustomization to read. `readFile` returns undefined for a file it cannot read.
 * Paths are relative to the kustomization's directory: kustomize runs the plugin there, so the
 * directory the user started from is unknown, and in Argo CD it is a temporary copy anyway.
 */
export function transformerFile(
  configText: string,
  configRoot: string,
  readFile: (path: string) => string | undefined,
): FileRef | undefined {
  const config = safely(() => parse(configText) as unknown);
  const kustomizationName = KUSTOMIZATION_FILES.find((name) => readFile(join(configRoot, name)) !== undefined);
  if (kustomizationName === undefined) return undefined;
  const kustomization = safely(() => parse(readFile(join(configRoot, kustomizationName)) as string) as unknown);
  const entries = isPlainObject(kustomization) && Array.isArray(kustomization.transformers) ? kustomization.transformers : [];
  for (const entry of entries) {
    if (typeof entry !== 'string' || entry.includes('://')) continue;
    const text = readFile(isAbsolute(entry) ? entry : join(configRoot, entry));
    if (text !== undefined && holdsObjectLike(text, config)) return { path: normalize(entry) };
  }
  return { path: kustomizationName };
}

function holdsObjectLike(text: string, config: unknown): boolean {
  if (!isPlainObject(config)) return false;
  const same = (object: unknown): boolean =>
    isPlainObject(object) &&
    object.kind === config.kind &&
    object.apiVersion === config.apiVersion &&
    isPlainObject(object.metadata) &&
    isPlainObject(config.metadata) &&
    object.metadata.name === config.metadata.name;
  const documents = safely(() => parseAllDocuments(text)) ?? [];
  return (Array.isArray(documents) ? documents : [documents]).some((doc) => {
    const object = safely(() => doc.toJS() as unknown);
    return same(object) || (isPlainObject(object) && Array.isArray(object.items) && object.items.some(same));
  });
}

function safely<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
