// KRM function results (kpt's Result schema) and where they point.

export type Severity = 'error' | 'warning' | 'info';

export interface ResourceRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** Where an object came from: the orchestrator's path/index annotations, if any. */
export interface FileRef {
  path: string;
  index?: number;
}

/**
 * Something to report about a pod template, before it is a Result: fieldPath is relative to the
 * template, and the run puts it under the item (run/templates.ts, pushProblems).
 */
export interface Problem {
  severity: Severity;
  message: string;
  fieldPath?: string;
  sidecarSets: string[];
  /**
   * Marks the report of what a step stripped of its own earlier run: the modes that write nothing, and uninject, say that their own way.
   */
  stripped?: true;
}

export interface Result {
  message: string;
  severity: Severity;
  resourceRef?: ResourceRef;
  field?: { path: string; currentValue?: string; proposedValue?: string };
  file?: FileRef;
  tags?: Record<string, string>;
}

/** The object a result is about: enough to fill resourceRef and file. */
export interface Subject {
  resourceRef?: ResourceRef;
  file?: FileRef;
}

/** Where in the resource a result points, and the tags it carries (kpt's `tags`). */
export interface ResultDetails {
  field?: string;
  tags?: Record<string, string>;
}

export function result(severity: Severity, message: string, subject?: Subject, { field, tags }: ResultDetails = {}): Result {
  const r: Result = { message, severity };
  if (subject?.resourceRef) r.resourceRef = subject.resourceRef;
  if (field) r.field = { path: field };
  if (subject?.file) r.file = subject.file;
  if (tags && Object.keys(tags).length > 0) r.tags = tags;
  return r;
}

export function hasErrors(results: readonly Result[]): boolean {
  return results.some((r) => r.severity === 'error');
}

/** One line per result, the way kpt prints them: `[error] apps/v1/Deployment/ns/name path: message`. */
export function formatResult(r: Result): string {
  const resource = r.resourceRef;
  const ref = resource
    ? `${resource.apiVersion}/${resource.kind}/${resource.namespace ? resource.namespace + '/' : ''}${resource.name}`
    : '';
  const where = [ref, r.field?.path].filter(Boolean).join(' ');
  const file = r.file ? ` (${r.file.path}${r.file.index ? `#${r.file.index}` : ''})` : '';
  return `[${r.severity}]${where ? ' ' + where : ''}: ${r.message}${file}`;
}
