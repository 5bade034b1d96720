// The parts of a pod template the injection reads or writes must have the types Kubernetes gives
// them; a template that does not is reported (the apiserver would reject it) and left alone.
import { isPlainObject } from '../util/json.js';

export interface ShapeProblem {
  /** Relative to the template, e.g. `spec.containers[0].env`. */
  path: string;
  message: string;
}

const isString = (v: unknown) => typeof v === 'string';
const stringMap = (v: unknown) => isPlainObject(v) && Object.values(v).every(isString);

export function templateShapeProblems(template: unknown): ShapeProblem[] {
  const problems: ShapeProblem[] = [];
  const fail = (path: string, message: string) => problems.push({ path, message });
  if (!isPlainObject(template)) return [{ path: '', message: 'must be an object' }];
  const metadata = template.metadata;
  if (metadata !== undefined && metadata !== null) {
    if (!isPlainObject(metadata)) fail('metadata', 'must be an object');
    else {
      for (const key of ['labels', 'annotations'] as const) {
        if (metadata[key] !== undefined && metadata[key] !== null && !stringMap(metadata[key]))
          fail(`metadata.${key}`, 'must map strings to strings');
      }
    }
  }
  const spec = template.spec;
  if (!isPlainObject(spec)) return [...problems, { path: 'spec', message: 'must be an object' }];
  for (const key of ['serviceAccountName', 'serviceAccount'] as const) {
    if (spec[key] !== undefined && spec[key] !== null && !isString(spec[key])) fail(`spec.${key}`, 'must be a string');
  }
  const list = (path: string, value: unknown, each?: (item: Record<string, unknown>, at: string) => void) => {
    if (value === undefined || value === null) return;
    if (!Array.isArray(value)) return fail(path, 'must be a list');
    value.forEach((item, i) => {
      const at = `${path}[${i}]`;
      if (!isPlainObject(item)) return fail(at, 'must be an object');
      if (!isString(item.name)) fail(`${at}.name`, 'must be a string');
      each?.(item, at);
    });
  };
  const container = (c: Record<string, unknown>, at: string) => {
    list(`${at}.env`, c.env, (e, envAt) => {
      if (e.value !== undefined && e.value !== null && !isString(e.value)) fail(`${envAt}.value`, 'must be a string');
      if (e.valueFrom !== undefined && e.valueFrom !== null && !isPlainObject(e.valueFrom)) fail(`${envAt}.valueFrom`, 'must be an object');
    });
    list(`${at}.volumeMounts`, c.volumeMounts, (m, mAt) => {
      if (!isString(m.mountPath)) fail(`${mAt}.mountPath`, 'must be a string');
    });
    if (c.volumeDevices !== undefined && c.volumeDevices !== null) {
      list(`${at}.volumeDevices`, c.volumeDevices, (d, dAt) => {
        if (!isString(d.devicePath)) fail(`${dAt}.devicePath`, 'must be a string');
      });
    }
    if (c.resources !== undefined && c.resources !== null && !isPlainObject(c.resources)) fail(`${at}.resources`, 'must be an object');
  };
  list('spec.containers', spec.containers, container);
  list('spec.initContainers', spec.initContainers, container);
  list('spec.volumes', spec.volumes);
  list('spec.imagePullSecrets', spec.imagePullSecrets);
  return problems;
}
