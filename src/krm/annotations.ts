// What the orchestrators' annotations on an item tell us: its identity and its file.
import type { FileRef, ResourceRef, Subject } from './results.js';
import { isPlainObject } from '../util/json.js';

function annotationsOf(obj: unknown): Record<string, unknown> {
  if (!isPlainObject(obj) || !isPlainObject(obj.metadata)) return {};
  const a = obj.metadata.annotations;
  return isPlainObject(a) ? a : {};
}

function fileOf(obj: unknown): FileRef | undefined {
  const a = annotationsOf(obj);
  const path = a['internal.config.kubernetes.io/path'] ?? a['config.kubernetes.io/path'];
  if (typeof path !== 'string' || path === '') return undefined;
  const index = Number(a['internal.config.kubernetes.io/index'] ?? a['config.kubernetes.io/index'] ?? 0);
  return Number.isInteger(index) && index > 0 ? { path, index } : { path };
}

export function resourceRefOf(obj: unknown): ResourceRef | undefined {
  if (!isPlainObject(obj)) return undefined;
  const meta = isPlainObject(obj.metadata) ? obj.metadata : {};
  if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string' || typeof meta.name !== 'string') {
    return undefined;
  }
  const ref: ResourceRef = { apiVersion: obj.apiVersion, kind: obj.kind, name: meta.name };
  if (typeof meta.namespace === 'string' && meta.namespace !== '') ref.namespace = meta.namespace;
  return ref;
}

export function subjectOf(obj: unknown, fallbackFile?: FileRef): Subject {
  const s: Subject = {};
  const ref = resourceRefOf(obj);
  if (ref) s.resourceRef = ref;
  const file = fileOf(obj) ?? fallbackFile;
  if (file) s.file = file;
  return s;
}

/** `spec.containers[0].image` from a JSON pointer `/spec/containers/0/image`. */
export function pointerToPath(pointer: string): string {
  if (pointer === '' || pointer === '/') return '';
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += (out ? '.' : '') + seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}
