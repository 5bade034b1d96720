// Structural checks of SidecarSets and of the function's config, with the JSON Schemas of
// ./schema compiled at build time (scripts/generate-validators.mjs).
import { validateConfig, validateSidecarSet } from './generated/validators.js';
import type { GeneratedSchemaError, GeneratedValidator } from './generated/validators.js';

export interface SchemaError {
  /** JSON pointer of the offending value, e.g. `/spec/containers/0/image`. */
  pointer: string;
  message: string;
}

const VALIDATORS: Record<'SidecarSet' | 'config', GeneratedValidator> = {
  SidecarSet: validateSidecarSet,
  config: validateConfig,
};

/** Every structural problem of `value` as the given kind; empty when it conforms. */
export function schemaErrors(kind: 'SidecarSet' | 'config', value: unknown): SchemaError[] {
  const validate = VALIDATORS[kind];
  if (validate(value)) return [];
  const raw = (validate.errors ?? []).filter((e) => e.keyword !== 'if');
  // A field that does not exist in this apiVersion is reported once, not also with its type.
  const unknownFieldPointers = new Set(raw.filter((e) => e.keyword === 'false schema').map((e) => e.instancePath));
  const errors = raw.filter((e) => e.keyword === 'false schema' || !unknownFieldPointers.has(e.instancePath)).map(toSchemaError);
  return dedupe(errors);
}

function toSchemaError(e: GeneratedSchemaError): SchemaError {
  const params = e.params;
  switch (e.keyword) {
    case 'required':
      return {
        pointer: `${e.instancePath}/${escapePointerToken(String(params.missingProperty))}`,
        message: 'is required',
      };
    case 'additionalProperties':
      return {
        pointer: `${e.instancePath}/${escapePointerToken(String(params.additionalProperty))}`,
        message: 'unknown field (check its spelling and case)',
      };
    case 'false schema':
      return { pointer: e.instancePath, message: 'unknown field in this apiVersion' };
    case 'enum':
      return {
        pointer: e.instancePath,
        message: `must be one of: ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'const':
      return { pointer: e.instancePath, message: `must be ${JSON.stringify(params.allowedValue)}` };
    case 'type':
      return { pointer: e.instancePath, message: `must be ${describeType(params.type)}` };
    default:
      return { pointer: e.instancePath, message: e.message ?? `fails the "${e.keyword}" rule` };
  }
}

function describeType(type: unknown): string {
  return String(type).split(',').join(' or ');
}

function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function dedupe(errors: SchemaError[]): SchemaError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.pointer}\u0000${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
