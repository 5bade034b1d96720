// What Kruise's Go code sees of a container, and how Go's encoding/json writes it back (the hash input:
// pkg/control/sidecarcontrol/hash.go, encodeSidecarSetV1beta1; the injected container: pkg/webhook/pod/mutating/sidecarset.go,
// buildSidecars).
// Decoding drops unknown and mis-cased keys and rejects ill-typed values; encoding follows Go field
// order and omitempty rules. Both are driven by the per-type tables below (Kubernetes 1.32 types).
import type { Container, SidecarContainer } from './types.js';
import { Quantity, QuantityParseError } from '../k8s/quantity.js';
import { isPlainObject } from '../util/json.js';

/** A value Kruise's decoder would reject (the SidecarSet would never be admitted). */
export class GoDecodeError extends Error {
  override name = 'GoDecodeError';
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
  }
}

type Kind =
  | { readonly type: 'string' | 'bool' | 'int32' | 'int64' | 'intOrString' | 'quantity' }
  | { readonly type: 'struct'; readonly fields: readonly Field[] }
  | { readonly type: 'list'; readonly of: Kind }
  | { readonly type: 'map'; readonly of: Kind };

/**
 * How Go emits a field:
 * - required: no omitempty, always written (zero value when unset);
 * - omitempty: omitted when "", 0, false, or a nil/empty slice or map; struct-typed values are always written;
 * - pointer: a pointer with omitempty, written whenever set, even to a zero value;
 * - nullable: a pointer without omitempty, written as null when unset.
 */
type Presence = 'required' | 'omitempty' | 'pointer' | 'nullable';

interface Field {
  readonly key: string;
  readonly kind: Kind;
  readonly presence: Presence;
}

const STRING: Kind = { type: 'string' };
const BOOL: Kind = { type: 'bool' };
const INT32: Kind = { type: 'int32' };
const INT64: Kind = { type: 'int64' };
const INT_OR_STRING: Kind = { type: 'intOrString' };
const QUANTITY: Kind = { type: 'quantity' };
const listOf = (of: Kind): Kind => ({ type: 'list', of });
const mapOf = (of: Kind): Kind => ({ type: 'map', of });
const struct = (...fields: Field[]): Kind => ({ type: 'struct', fields });

const required = (key: string, kind: Kind): Field => ({ key, kind, presence: 'required' });
const optional = (key: string, kind: Kind): Field => ({ key, kind, presence: 'omitempty' });
const pointer = (key: string, kind: Kind): Field => ({ key, kind, presence: 'pointer' });
const nullable = (key: string, kind: Kind): Field => ({ key, kind, presence: 'nullable' });

const OBJECT_FIELD_SELECTOR = struct(optional('apiVersion', STRING), required('fieldPath', STRING));
const NAMED_OPTIONAL_REF = struct(optional('name', STRING), pointer('optional', BOOL));
const KEY_SELECTOR = struct(optional('name', STRING), required('key', STRING), pointer('optional', BOOL));
const EXEC_ACTION = struct(optional('command', listOf(STRING)));
const HTTP_GET_ACTION = struct(
  optional('path', STRING),
  required('port', INT_OR_STRING),
  optional('host', STRING),
  optional('scheme', STRING),
  optional('httpHeaders', listOf(struct(required('name', STRING), required('value', STRING)))),
);
const TCP_SOCKET_ACTION = struct(required('port', INT_OR_STRING), optional('host', STRING));
const PROBE = struct(
  pointer('exec', EXEC_ACTION),
  pointer('httpGet', HTTP_GET_ACTION),
  pointer('tcpSocket', TCP_SOCKET_ACTION),
  pointer('grpc', struct(required('port', INT32), nullable('service', STRING))),
  optional('initialDelaySeconds', INT32),
  optional('timeoutSeconds', INT32),
  optional('periodSeconds', INT32),
  optional('successThreshold', INT32),
  optional('failureThreshold', INT32),
  pointer('terminationGracePeriodSeconds', INT64),
);
const LIFECYCLE_HANDLER = struct(
  pointer('exec', EXEC_ACTION),
  pointer('httpGet', HTTP_GET_ACTION),
  pointer('tcpSocket', TCP_SOCKET_ACTION),
  pointer('sleep', struct(required('seconds', INT64))),
);
const PROFILE = struct(required('type', STRING), pointer('localhostProfile', STRING));
const SECURITY_CONTEXT = struct(
  pointer('capabilities', struct(optional('add', listOf(STRING)), optional('drop', listOf(STRING)))),
  pointer('privileged', BOOL),
  pointer(
    'seLinuxOptions',
    struct(optional('user', STRING), optional('role', STRING), optional('type', STRING), optional('level', STRING)),
  ),
  pointer(
    'windowsOptions',
    struct(
      pointer('gmsaCredentialSpecName', STRING),
      pointer('gmsaCredentialSpec', STRING),
      pointer('runAsUserName', STRING),
      pointer('hostProcess', BOOL),
    ),
  ),
  pointer('runAsUser', INT64),
  pointer('runAsGroup', INT64),
  pointer('runAsNonRoot', BOOL),
  pointer('readOnlyRootFilesystem', BOOL),
  pointer('allowPrivilegeEscalation', BOOL),
  pointer('procMount', STRING),
  pointer('seccompProfile', PROFILE),
  pointer('appArmorProfile', PROFILE),
);

const CONTAINER_FIELDS: readonly Field[] = [
  required('name', STRING),
  optional('image', STRING),
  optional('command', listOf(STRING)),
  optional('args', listOf(STRING)),
  optional('workingDir', STRING),
  optional(
    'ports',
    listOf(
      struct(
        optional('name', STRING),
        optional('hostPort', INT32),
        required('containerPort', INT32),
        optional('protocol', STRING),
        optional('hostIP', STRING),
      ),
    ),
  ),
  optional(
    'envFrom',
    listOf(struct(optional('prefix', STRING), pointer('configMapRef', NAMED_OPTIONAL_REF), pointer('secretRef', NAMED_OPTIONAL_REF))),
  ),
  optional(
    'env',
    listOf(
      struct(
        required('name', STRING),
        optional('value', STRING),
        pointer(
          'valueFrom',
          struct(
            pointer('fieldRef', OBJECT_FIELD_SELECTOR),
            pointer(
              'resourceFieldRef',
              struct(optional('containerName', STRING), required('resource', STRING), optional('divisor', QUANTITY)),
            ),
            pointer('configMapKeyRef', KEY_SELECTOR),
            pointer('secretKeyRef', KEY_SELECTOR),
          ),
        ),
      ),
    ),
  ),
  optional(
    'resources',
    struct(
      optional('limits', mapOf(QUANTITY)),
      optional('requests', mapOf(QUANTITY)),
      optional('claims', listOf(struct(required('name', STRING), optional('request', STRING)))),
    ),
  ),
  optional('resizePolicy', listOf(struct(required('resourceName', STRING), required('restartPolicy', STRING)))),
  pointer('restartPolicy', STRING),
  optional(
    'volumeMounts',
    listOf(
      struct(
        required('name', STRING),
        optional('readOnly', BOOL),
        pointer('recursiveReadOnly', STRING),
        required('mountPath', STRING),
        optional('subPath', STRING),
        pointer('mountPropagation', STRING),
        optional('subPathExpr', STRING),
      ),
    ),
  ),
  optional('volumeDevices', listOf(struct(required('name', STRING), required('devicePath', STRING)))),
  pointer('livenessProbe', PROBE),
  pointer('readinessProbe', PROBE),
  pointer('startupProbe', PROBE),
  pointer('lifecycle', struct(pointer('postStart', LIFECYCLE_HANDLER), pointer('preStop', LIFECYCLE_HANDLER))),
  optional('terminationMessagePath', STRING),
  optional('terminationMessagePolicy', STRING),
  optional('imagePullPolicy', STRING),
  pointer('securityContext', SECURITY_CONTEXT),
  optional('stdin', BOOL),
  optional('stdinOnce', BOOL),
  optional('tty', BOOL),
];

const SHARE_VOLUME_POLICY = struct(optional('type', STRING));
const RESOURCE_EXPRS = struct(optional('cpu', STRING), optional('memory', STRING));

const SIDECAR_CONTAINER_FIELDS: readonly Field[] = [
  ...CONTAINER_FIELDS,
  optional('podInjectPolicy', STRING),
  optional('upgradeStrategy', struct(optional('upgradeType', STRING), optional('hotUpgradeEmptyImage', STRING))),
  optional('shareVolumePolicy', SHARE_VOLUME_POLICY),
  pointer('shareVolumeDevicePolicy', SHARE_VOLUME_POLICY),
  optional(
    'transferEnv',
    listOf(
      struct(
        optional('sourceContainerName', STRING),
        pointer('sourceContainerNameFrom', struct(pointer('fieldRef', OBJECT_FIELD_SELECTOR))),
        optional('envName', STRING),
        optional('envNames', listOf(STRING)),
      ),
    ),
  ),
  pointer(
    'resourcesPolicy',
    struct(
      required('targetContainersMode', STRING),
      optional('targetContainersNameRegex', STRING),
      required('resourcesExpr', struct(pointer('limits', RESOURCE_EXPRS), pointer('requests', RESOURCE_EXPRS))),
    ),
  ),
];
const SIDECAR_CONTAINER: Kind = struct(...SIDECAR_CONTAINER_FIELDS);

const CONTAINER: Kind = struct(...CONTAINER_FIELDS);

interface Findings {
  readonly unknown: string[];
  readonly invalid: string[];
}

const GO_SPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const GO_TRIM = new RegExp(`^${GO_SPACE}+|${GO_SPACE}+$`, 'g');

/** Go's strings.TrimSpace, which Quantity.UnmarshalJSON applies before parsing. */
export function goTrimSpace(text: string): string {
  return text.replace(GO_TRIM, '');
}

function decodeQuantity(value: unknown, path: string, findings: Findings): unknown {
  if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) {
    findings.invalid.push(`${path}: a quantity must be a string or a number`);
    return undefined;
  }
  try {
    return Quantity.parse(goTrimSpace(String(value))).toString();
  } catch (error) {
    if (!(error instanceof QuantityParseError)) throw error;
    findings.invalid.push(`${path}: ${error.message}`);
    return undefined;
  }
}

function isIntegerIn(value: unknown, bits: 32 | 64): value is number {
  if (typeof value !== 'number' || !Number.isInteger(value)) return false;
  return bits === 64 ? Number.isSafeInteger(value) : value >= -(2 ** 31) && value < 2 ** 31;
}

/** The Go zero value of a kind, as Go would encode it. */
function zeroValue(kind: Kind): unknown {
  switch (kind.type) {
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'int32':
    case 'int64':
    case 'intOrString':
      return 0;
    case 'quantity':
      return '0';
    case 'struct':
      return encodeStruct(kind.fields, {}, '', { unknown: [], invalid: [] });
    case 'list':
    case 'map':
      return null;
  }
}

/** Decodes a non-null value into a kind and returns its Go encoding; undefined when ill-typed. */
function decode(value: unknown, kind: Kind, path: string, findings: Findings): unknown {
  const invalid = (expected: string): undefined => {
    findings.invalid.push(`${path}: expected ${expected}, got ${Array.isArray(value) ? 'array' : typeof value}`);
    return undefined;
  };
  switch (kind.type) {
    case 'string':
      return typeof value === 'string' ? value : invalid('a string');
    case 'bool':
      return typeof value === 'boolean' ? value : invalid('a boolean');
    case 'int32':
      return isIntegerIn(value, 32) ? value : invalid('a 32-bit integer');
    case 'int64':
      return isIntegerIn(value, 64) ? value : invalid('an integer');
    case 'intOrString':
      return typeof value === 'string' || isIntegerIn(value, 32) ? value : invalid('an integer or a string');
    case 'quantity':
      return decodeQuantity(value, path, findings);
    case 'struct':
      return isPlainObject(value) ? encodeStruct(kind.fields, value, path, findings) : invalid('an object');
    case 'list':
      if (!Array.isArray(value)) return invalid('an array');
      return value.map((item, index) => decodeOrZero(item, kind.of, `${path}[${index}]`, findings));
    case 'map': {
      if (!isPlainObject(value)) return invalid('an object');
      const encoded: Record<string, unknown> = {};
      // Go writes map keys in byte order; for the ASCII keys of resource lists that is JS string order.
      for (const key of Object.keys(value).sort()) {
        const item = decodeOrZero(value[key], kind.of, `${path}.${key}`, findings);
        // defineProperty keeps a key such as "__proto__" an ordinary entry.
        Object.defineProperty(encoded, key, { value: item, enumerable: true, writable: true, configurable: true });
      }
      return encoded;
    }
  }
}

/** JSON null decodes to the zero value (slices and maps stay nil). */
function decodeOrZero(value: unknown, kind: Kind, path: string, findings: Findings): unknown {
  return value === null || value === undefined ? zeroValue(kind) : decode(value, kind, path, findings);
}

function isEmptyForOmit(encoded: unknown, kind: Kind): boolean {
  switch (kind.type) {
    case 'struct':
    case 'quantity':
    case 'intOrString':
      return false; // struct-typed in Go: omitempty never applies
    case 'list':
      return encoded === null || (encoded as unknown[]).length === 0;
    case 'map':
      return encoded === null || Object.keys(encoded as object).length === 0;
    default:
      return encoded === '' || encoded === 0 || encoded === false;
  }
}

const knownKeys = new WeakMap<readonly Field[], ReadonlySet<string>>();

function encodeStruct(
  fields: readonly Field[],
  source: Record<string, unknown>,
  path: string,
  findings: Findings,
): Record<string, unknown> {
  let known = knownKeys.get(fields);
  if (!known) knownKeys.set(fields, (known = new Set(fields.map((field) => field.key))));
  for (const key in source) {
    if (Object.hasOwn(source, key) && !known.has(key)) findings.unknown.push(path ? `${path}.${key}` : key);
  }
  const encoded: Record<string, unknown> = {};
  for (const field of fields) encodeField(field, source, path, findings, encoded);
  return encoded;
}

/** Writes the Go encoding of one field of `source` into `encoded`, when Go would write it. */
function encodeField(
  field: Field,
  source: Record<string, unknown>,
  path: string,
  findings: Findings,
  encoded: Record<string, unknown>,
): void {
  const raw = Object.hasOwn(source, field.key) ? source[field.key] : undefined;
  const isSet = raw !== null && raw !== undefined;
  if (field.presence === 'pointer' || field.presence === 'nullable') {
    if (isSet) {
      const value = decode(raw, field.kind, path ? `${path}.${field.key}` : field.key, findings);
      if (value !== undefined) encoded[field.key] = value;
    } else if (field.presence === 'nullable') {
      encoded[field.key] = null;
    }
    return;
  }
  const value = isSet ? decode(raw, field.kind, path ? `${path}.${field.key}` : field.key, findings) : zeroValue(field.kind);
  if (value === undefined) return;
  if (field.presence === 'omitempty' && isEmptyForOmit(value, field.kind)) return;
  encoded[field.key] = value;
}

function encodeContainer(kind: Kind, container: unknown, path: string): { encoded: unknown; findings: Findings } {
  const findings: Findings = { unknown: [], invalid: [] };
  // A null element of a container list decodes to Go's zero container.
  const encoded = decodeOrZero(container, kind, path, findings);
  return { encoded, findings };
}

function encodeOrThrow(kind: Kind, container: unknown, path: string): Record<string, unknown> {
  const { encoded, findings } = encodeContainer(kind, container, path);
  if (findings.invalid.length > 0) throw new GoDecodeError(findings.invalid);
  return encoded as Record<string, unknown>;
}

/**
 * The SidecarContainer as Go would re-encode it: known keys only, Go order, omitempty applied,
 * quantities in their serialised form, IntOrString kinds kept. Throws GoDecodeError on ill-typed
 * values; `path` prefixes the paths in its messages.
 */
export function goOrderSidecarContainer(c: SidecarContainer, path = ''): Record<string, unknown> {
  return encodeOrThrow(SIDECAR_CONTAINER, c, path);
}

/** Only the core Container part (what gets injected into a pod). Throws GoDecodeError on ill-typed values. */
export function goOrderContainer(c: SidecarContainer, path = ''): Container {
  return encodeOrThrow(CONTAINER, c, path) as unknown as Container;
}

/**
 * goOrderContainer of `c`, given `ordered` = goOrderContainer of a container that differs from `c`
 * in the `changed` fields only: those are encoded, the others taken from `ordered`. Injection builds
 * every sidecar from one SidecarSet container, changing a few fields per pod.
 */
export function goOrderContainerChanged(ordered: Container, c: SidecarContainer, changed: ReadonlySet<string>): Container {
  return encodeChanged(CONTAINER_FIELDS, ordered as unknown as Record<string, unknown>, c, changed) as unknown as Container;
}

/** goOrderContainerChanged for the whole SidecarContainer: the hash without image re-encodes only `image`. */
export function goOrderSidecarContainerChanged(
  ordered: Record<string, unknown>,
  c: SidecarContainer,
  changed: ReadonlySet<string>,
): Record<string, unknown> {
  return encodeChanged(SIDECAR_CONTAINER_FIELDS, ordered, c, changed);
}

function encodeChanged(
  fields: readonly Field[],
  ordered: Record<string, unknown>,
  c: SidecarContainer,
  changed: ReadonlySet<string>,
): Record<string, unknown> {
  const findings: Findings = { unknown: [], invalid: [] };
  const encoded: Record<string, unknown> = {};
  for (const field of fields) {
    if (changed.has(field.key)) encodeField(field, c as unknown as Record<string, unknown>, '', findings, encoded);
    else if (Object.hasOwn(ordered, field.key)) encoded[field.key] = ordered[field.key];
  }
  if (findings.invalid.length > 0) throw new GoDecodeError(findings.invalid);
  return encoded;
}

/**
 * What Kruise's decoder makes of a container, in one pass: `unknown`, the paths (under `path`) of
 * keys it silently drops (unknown or mis-cased); `invalid`, messages for values it rejects (wrong
 * JSON type, unparsable quantity, out-of-range integer).
 */
export function containerDecodeFindings(c: unknown, path: string): { unknown: string[]; invalid: string[] } {
  return encodeContainer(SIDECAR_CONTAINER, c, path).findings;
}

// JSON.stringify escapes lone surrogates; Go has already replaced invalid UTF-8 by U+FFFD and
// escapes that. The look-behind keeps an escaped backslash followed by "ud800" text intact.
const LONE_SURROGATE_ESCAPE = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/g;
const GO_HTML_ESCAPES: Readonly<Record<string, string>> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/** Go encoding/json output for plain data already in Go key order (compact, HTML-safe escaping). */
export function goJson(value: unknown): string {
  const json = JSON.stringify(value) ?? 'null';
  return json.replace(LONE_SURROGATE_ESCAPE, '$1\\ufffd').replace(/[<>&\u2028\u2029]/g, (ch) => GO_HTML_ESCAPES[ch]);
}
