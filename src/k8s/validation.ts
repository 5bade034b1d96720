// Kubernetes name, label and selector syntax (k8s.io/apimachinery v0.32 validation rules), with
// problems reported at JSON pointers. Lengths count UTF-8 bytes, as Go's len() does.
import { Quantity } from './quantity.js';
import type { V1Container as Container, V1LabelSelector as LabelSelector, V1Volume as Volume } from '@kubernetes/client-node';

export interface FieldError {
  /** JSON pointer, e.g. `/spec/containers/0/name`. */
  pointer: string;
  message: string;
}

/** `base` extended by the given reference tokens, escaped per RFC 6901. */
export function childPointer(base: string, ...tokens: Array<string | number>): string {
  return base + tokens.map((t) => '/' + String(t).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

export function utf8Length(value: string): number {
  let bytes = 0;
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const PERCENT = /^[0-9]+%$/;

const LABEL_SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

/**
 * The shape of apimachinery's IsDNS1123Label, IsDNS1123Subdomain, IsValidLabelValue and the name
 * part of IsQualifiedName (k8s.io/apimachinery/pkg/util/validation/validation.go): a length limit
 * and a format, checked independently so that a value can break both.
 */
function lengthAndFormatProblems(value: string, maxLength: number, format: RegExp, formatProblem: string): string[] {
  const problems: string[] = [];
  if (utf8Length(value) > maxLength) problems.push(`must be no more than ${maxLength} characters`);
  if (!format.test(value)) problems.push(formatProblem);
  return problems;
}

export function dns1123LabelProblems(value: string): string[] {
  return lengthAndFormatProblems(
    value,
    63,
    DNS1123_LABEL,
    "must be a lowercase RFC 1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit (e.g. 'my-name')",
  );
}

export function dns1123SubdomainProblems(value: string): string[] {
  return lengthAndFormatProblems(
    value,
    253,
    DNS1123_SUBDOMAIN,
    "must be a lowercase RFC 1123 subdomain: dot-separated lowercase labels of letters, digits and '-', each starting " +
      "and ending with a letter or digit (e.g. 'example.com')",
  );
}

/** A label or annotation key: an optional DNS-subdomain prefix and '/', then a name of at most 63 characters. */
export function qualifiedNameProblems(value: string): string[] {
  const parts = value.split('/');
  let name: string;
  const problems: string[] = [];
  if (parts.length === 1) {
    name = parts[0];
  } else if (parts.length === 2) {
    const prefix = parts[0];
    name = parts[1];
    if (prefix.length === 0) problems.push('prefix part must be non-empty');
    else problems.push(...dns1123SubdomainProblems(prefix).map((p) => `prefix part ${p}`));
  } else {
    return ["must be a name with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"];
  }
  if (name.length === 0) {
    problems.push('name part must be non-empty');
  } else {
    const nameProblems = lengthAndFormatProblems(
      name,
      63,
      QUALIFIED_NAME_PART,
      "must consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit (e.g. 'MyName', 'my.name', '123-abc')",
    );
    problems.push(...nameProblems.map((p) => `name part ${p}`));
  }
  return problems;
}

function labelValueProblems(value: string): string[] {
  return lengthAndFormatProblems(
    value,
    63,
    LABEL_VALUE,
    "must be empty or consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit (e.g. " +
      "'MyValue', 'my_value', '12345')",
  );
}

export function envVarNameProblems(value: string): string[] {
  const problems: string[] = [];
  if (!ENV_VAR_NAME.test(value)) {
    problems.push("must consist of letters, digits, '-', '_' or '.', and must not start with a digit (e.g. 'my.env-name', 'MY_ENV.NAME')");
  }
  if (value === '.') problems.push("must not be '.'");
  else if (value === '..') problems.push("must not be '..'");
  else if (value.startsWith('..')) problems.push("must not start with '..'");
  return problems;
}

/** IANA service names, the form of container port names. */
export function portNameProblems(value: string): string[] {
  const problems: string[] = [];
  if (value.length > 15) problems.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(value)) problems.push("must contain only lowercase letters, digits and '-'");
  if (!/[a-z]/.test(value)) problems.push('must contain at least one letter (a-z)');
  if (value.includes('--')) problems.push("must not contain consecutive hyphens ('--')");
  if (value.startsWith('-') || value.endsWith('-')) problems.push("must not begin or end with a hyphen ('-')");
  return problems;
}

export const isDns1123Label = (value: string): boolean => dns1123LabelProblems(value).length === 0;
export const isDns1123Subdomain = (value: string): boolean => dns1123SubdomainProblems(value).length === 0;
export const isQualifiedName = (value: string): boolean => qualifiedNameProblems(value).length === 0;
export const isValidLabelValue = (value: string): boolean => labelValueProblems(value).length === 0;
const isPercent = (value: string): boolean => PERCENT.test(value);

function errorsAt(pointer: string, subject: string, problems: string[]): FieldError[] {
  return problems.map((p) => ({ pointer, message: `${subject} ${p}` }));
}

/** Label maps (metadata.labels, matchLabels): qualified-name keys, valid values. Keys in sorted order. */
export function validateLabels(labels: Record<string, string> | undefined, pointer: string): FieldError[] {
  const errors: FieldError[] = [];
  for (const key of sortedKeys(labels)) {
    const at = childPointer(pointer, key);
    errors.push(...errorsAt(at, `label key ${JSON.stringify(key)}`, qualifiedNameProblems(key)));
    errors.push(...errorsAt(at, `label value ${JSON.stringify(labels![key])}`, labelValueProblems(String(labels![key]))));
  }
  return errors;
}

const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** Annotation maps: keys are qualified names once lower-cased; keys and values together at most 256 KiB. */
export function validateAnnotations(annotations: Record<string, string> | undefined, pointer: string): FieldError[] {
  const errors: FieldError[] = [];
  let total = 0;
  for (const key of sortedKeys(annotations)) {
    errors.push(...errorsAt(childPointer(pointer, key), `annotation key ${JSON.stringify(key)}`, qualifiedNameProblems(key.toLowerCase())));
    total += utf8Length(key) + utf8Length(String(annotations![key]));
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) {
    errors.push({ pointer, message: `annotations may not be more than ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes in total, got ${total}` });
  }
  return errors;
}

/**
 * apimachinery's LabelSelector validation: matchLabels as labels; each expression with a known
 * operator, values exactly when the operator needs them, a qualified-name key and valid label values.
 * An empty selector is valid here (callers that forbid it check that themselves).
 */
export function validateLabelSelector(selector: LabelSelector | undefined, pointer: string): FieldError[] {
  if (!selector) return [];
  const errors = validateLabels(selector.matchLabels, childPointer(pointer, 'matchLabels'));
  (selector.matchExpressions ?? []).forEach((expr, i) => {
    const at = childPointer(pointer, 'matchExpressions', i);
    const values = expr.values ?? [];
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) {
          errors.push({ pointer: childPointer(at, 'values'), message: `values must be given when the operator is ${expr.operator}` });
        }
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) {
          errors.push({ pointer: childPointer(at, 'values'), message: `values must be empty when the operator is ${expr.operator}` });
        }
        break;
      default:
        errors.push({
          pointer: childPointer(at, 'operator'),
          message: `unsupported operator ${JSON.stringify(expr.operator)}: must be one of ${LABEL_SELECTOR_OPERATORS.join(', ')}`,
        });
    }
    errors.push(...errorsAt(childPointer(at, 'key'), `key ${JSON.stringify(expr.key)}`, qualifiedNameProblems(String(expr.key))));
    values.forEach((value, j) => {
      errors.push(...errorsAt(childPointer(at, 'values', j), `value ${JSON.stringify(value)}`, labelValueProblems(String(value))));
    });
  });
  return errors;
}

/**
 * Why apimachinery's LabelSelectorAsSelector would refuse this selector (the first reason, with
 * matchLabels in sorted key order), or undefined when it converts.
 */
export function labelSelectorConversionProblem(selector: LabelSelector): string | undefined {
  for (const key of sortedKeys(selector.matchLabels)) {
    const problem = requirementProblem(key, [selector.matchLabels![key]]);
    if (problem) return problem;
  }
  for (const expr of selector.matchExpressions ?? []) {
    const values = expr.values ?? [];
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) return `operator ${expr.operator} on key ${JSON.stringify(expr.key)} needs at least one value`;
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) return `operator ${expr.operator} on key ${JSON.stringify(expr.key)} takes no values`;
        break;
      default:
        return `${JSON.stringify(expr.operator)} is not a valid label selector operator`;
    }
    const problem = requirementProblem(String(expr.key), values);
    if (problem) return problem;
  }
  return undefined;
}

function requirementProblem(key: string, values: readonly string[]): string | undefined {
  const keyProblem = qualifiedNameProblems(key)[0];
  if (keyProblem) return `key ${JSON.stringify(key)}: ${keyProblem}`;
  for (const value of values) {
    const valueProblem = labelValueProblems(String(value))[0];
    if (valueProblem) return `value ${JSON.stringify(value)} for key ${JSON.stringify(key)}: ${valueProblem}`;
  }
  return undefined;
}

/** An int-or-string that must be a non-negative integer or a percentage such as '5%'. */
export function validateNonNegativeIntOrPercent(value: number | string | undefined, pointer: string): FieldError[] {
  if (value === undefined) return [];
  if (typeof value === 'string') {
    return isPercent(value) ? [] : [{ pointer, message: `${JSON.stringify(value)} must be a percentage such as '5%' or an integer` }];
  }
  return value < 0 ? [{ pointer, message: `must be greater than or equal to 0, got ${value}` }] : [];
}

function sortedKeys(map: Record<string, unknown> | undefined): string[] {
  return map && typeof map === 'object' ? Object.keys(map).sort() : [];
}

// ---------------------------------------------------------------------------------------------
// Pod validation (k8s.io/kubernetes pkg/apis/core/validation, 1.32, pod create) for the parts a
// SidecarSet contributes: containers, init containers and volumes. Security contexts, ephemeral
// containers and pod-level fields are outside what a SidecarSet carries and are not checked.

export interface PodParts {
  initContainers: readonly Container[];
  containers: readonly Container[];
  volumes: readonly Volume[];
  /** Where each list lives in the source document, e.g. `/spec/initContainers`. */
  pointers: { initContainers: string; containers: string; volumes: string };
}

type Json = Record<string, unknown>;

const POD_TERMINATION_GRACE_PERIOD_SECONDS = 30;

/** Every VolumeSource member of Kubernetes 1.32. */
export const VOLUME_SOURCES = [
  'hostPath',
  'emptyDir',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'persistentVolumeClaim',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'downwardAPI',
  'fc',
  'azureFile',
  'configMap',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'projected',
  'portworxVolume',
  'scaleIO',
  'storageos',
  'csi',
  'ephemeral',
  'image',
] as const;

const HOST_PATH_TYPES = ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'];
const PULL_POLICIES = ['Always', 'Never', 'IfNotPresent'];
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];
const PORT_PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const ENV_FIELD_PATHS = new Set([
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
]);
const ENV_RESOURCE_FIELDS = new Set([
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
]);
const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]+$/;

/** The pod-create rules Kruise applies to a SidecarSet through its synthetic pod. */
export function validatePodParts(parts: PodParts): FieldError[] {
  const { volumes, errors } = validateVolumes(parts.volumes, parts.pointers.volumes);
  errors.push(...validateRegularContainers(parts, volumes));
  errors.push(...validateInitContainers(parts, volumes));
  return errors;
}

function validateVolumes(list: readonly Volume[], pointer: string): { volumes: Map<string, Json>; errors: FieldError[] } {
  const volumes = new Map<string, Json>();
  const errors: FieldError[] = [];
  list.forEach((volume, i) => {
    const at = childPointer(pointer, i);
    const own = validateVolumeSource(volume as unknown as Json, at);
    const name = volume.name ?? '';
    if (name === '') own.push({ pointer: childPointer(at, 'name'), message: 'volume name is required' });
    else own.push(...errorsAt(childPointer(at, 'name'), `volume name ${JSON.stringify(name)}`, dns1123LabelProblems(name)));
    if (volumes.has(name)) own.push({ pointer: childPointer(at, 'name'), message: `duplicate volume name ${JSON.stringify(name)}` });
    // Like Kubernetes, an invalid volume is not registered, so mounts naming it are reported too.
    if (own.length === 0) volumes.set(name, volume as unknown as Json);
    errors.push(...own);
  });
  return { volumes, errors };
}

function validateVolumeSource(volume: Json, at: string): FieldError[] {
  const present = VOLUME_SOURCES.filter((s) => volume[s] !== undefined && volume[s] !== null);
  if (present.length === 0)
    return [{ pointer: at, message: 'must specify a volume type (e.g. emptyDir, configMap, persistentVolumeClaim)' }];
  const errors: FieldError[] = present
    .slice(1)
    .map((s) => ({ pointer: childPointer(at, s), message: `may not specify more than 1 volume type (already has ${present[0]})` }));
  const [kind] = present;
  const source = (volume[kind] ?? {}) as Json;
  const sourceAt = childPointer(at, kind);
  const requireString = (field: string) => {
    if (!source[field]) errors.push({ pointer: childPointer(sourceAt, field), message: `${kind}.${field} is required` });
  };
  switch (kind) {
    case 'hostPath':
      requireString('path');
      if (source.type !== undefined && !HOST_PATH_TYPES.includes(String(source.type))) {
        errors.push({ pointer: childPointer(sourceAt, 'type'), message: `unsupported hostPath type ${JSON.stringify(source.type)}` });
      }
      break;
    case 'secret':
      requireString('secretName');
      errors.push(...validateFileMode(source.defaultMode, childPointer(sourceAt, 'defaultMode')));
      errors.push(...validateKeyToPaths(source.items, childPointer(sourceAt, 'items')));
      break;
    case 'configMap':
      requireString('name');
      errors.push(...validateFileMode(source.defaultMode, childPointer(sourceAt, 'defaultMode')));
      errors.push(...validateKeyToPaths(source.items, childPointer(sourceAt, 'items')));
      break;
    case 'persistentVolumeClaim':
      requireString('claimName');
      break;
    case 'nfs':
      requireString('server');
      requireString('path');
      if (typeof source.path === 'string' && source.path !== '' && !source.path.startsWith('/')) {
        errors.push({ pointer: childPointer(sourceAt, 'path'), message: 'nfs.path must be an absolute path' });
      }
      break;
    case 'downwardAPI':
      errors.push(...validateFileMode(source.defaultMode, childPointer(sourceAt, 'defaultMode')));
      asArray(source.items).forEach((item, j) => {
        const itemAt = childPointer(sourceAt, 'items', j);
        errors.push(...validateRelativePath(String(item.path ?? ''), childPointer(itemAt, 'path')));
        errors.push(...validateFileMode(item.mode, childPointer(itemAt, 'mode')));
      });
      break;
    case 'projected':
      errors.push(...validateFileMode(source.defaultMode, childPointer(sourceAt, 'defaultMode')));
      break;
  }
  return errors;
}

function validateFileMode(mode: unknown, pointer: string): FieldError[] {
  if (mode === undefined || mode === null) return [];
  const n = Number(mode);
  return Number.isInteger(n) && n >= 0 && n <= 0o777
    ? []
    : [{ pointer, message: `file mode ${String(mode)} must be a number between 0 and 0777 (octal), both inclusive` }];
}

function validateKeyToPaths(items: unknown, pointer: string): FieldError[] {
  const errors: FieldError[] = [];
  asArray(items).forEach((item, j) => {
    const at = childPointer(pointer, j);
    if (!item.key) errors.push({ pointer: childPointer(at, 'key'), message: 'key is required' });
    errors.push(...validateRelativePath(String(item.path ?? ''), childPointer(at, 'path')));
    errors.push(...validateFileMode(item.mode, childPointer(at, 'mode')));
  });
  return errors;
}

/** A path that must stay inside its volume: relative, no '..' element. */
function validateRelativePath(path: string, pointer: string): FieldError[] {
  if (path === '') return [{ pointer, message: 'path is required' }];
  if (path.startsWith('/')) return [{ pointer, message: `${JSON.stringify(path)} must be a relative path` }];
  if (path.split(/[\\/]/).includes('..')) return [{ pointer, message: `${JSON.stringify(path)} must not contain '..'` }];
  return [];
}

function validateRegularContainers(parts: PodParts, volumes: Map<string, Json>): FieldError[] {
  const errors: FieldError[] = [];
  const names = new Set<string>();
  const hostPorts = new Set<string>();
  parts.containers.forEach((container, i) => {
    const at = childPointer(parts.pointers.containers, i);
    errors.push(...validateContainerCommon(container, volumes, at));
    errors.push(...duplicateNameError(container.name, names, at));
    errors.push(...hostPortConflicts(container, hostPorts, at));
    if (container.lifecycle) errors.push(...validateLifecycle(container.lifecycle as unknown as Json, childPointer(at, 'lifecycle')));
    errors.push(...validateProbe(container.livenessProbe, childPointer(at, 'livenessProbe'), 'liveness'));
    errors.push(...validateProbe(container.readinessProbe, childPointer(at, 'readinessProbe'), 'readiness'));
    errors.push(...validateProbe(container.startupProbe, childPointer(at, 'startupProbe'), 'startup'));
    if (container.restartPolicy !== undefined) {
      errors.push({ pointer: childPointer(at, 'restartPolicy'), message: 'restartPolicy may only be set on init containers' });
    }
  });
  return errors;
}

function validateInitContainers(parts: PodParts, volumes: Map<string, Json>): FieldError[] {
  const errors: FieldError[] = [];
  const names = new Set<string>(parts.containers.map((c) => c.name));
  parts.initContainers.forEach((container, i) => {
    const at = childPointer(parts.pointers.initContainers, i);
    errors.push(...validateContainerCommon(container, volumes, at));
    const restartAlways = container.restartPolicy === 'Always';
    if (container.restartPolicy !== undefined && !restartAlways) {
      errors.push({
        pointer: childPointer(at, 'restartPolicy'),
        message: `unsupported restartPolicy ${JSON.stringify(container.restartPolicy)} for an init container: only "Always" is allowed`,
      });
    }
    errors.push(...duplicateNameError(container.name, names, at));
    // Init containers run one at a time, so host ports only clash within one container.
    errors.push(...hostPortConflicts(container, new Set(), at));
    if (restartAlways) {
      if (container.lifecycle) errors.push(...validateLifecycle(container.lifecycle as unknown as Json, childPointer(at, 'lifecycle')));
      errors.push(...validateProbe(container.livenessProbe, childPointer(at, 'livenessProbe'), 'liveness'));
      errors.push(...validateProbe(container.readinessProbe, childPointer(at, 'readinessProbe'), 'readiness'));
      errors.push(...validateProbe(container.startupProbe, childPointer(at, 'startupProbe'), 'startup'));
    } else {
      for (const field of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
        if (container[field]) {
          errors.push({
            pointer: childPointer(at, field),
            message: `${field} may not be set for init containers without restartPolicy: Always`,
          });
        }
      }
    }
  });
  return errors;
}

function duplicateNameError(name: string, seen: Set<string>, at: string): FieldError[] {
  if (seen.has(name)) {
    return [
      {
        pointer: childPointer(at, 'name'),
        message: `duplicate container name ${JSON.stringify(name)}: names must be unique across init containers and containers`,
      },
    ];
  }
  if (name) seen.add(name);
  return [];
}

function hostPortConflicts(container: Container, seen: Set<string>, at: string): FieldError[] {
  const errors: FieldError[] = [];
  (container.ports ?? []).forEach((port, j) => {
    if (!port.hostPort) return;
    const key = `${port.hostIP ?? ''}/${port.protocol ?? ''}/${port.hostPort}`;
    if (seen.has(key)) errors.push({ pointer: childPointer(at, 'ports', j, 'hostPort'), message: `duplicate host port ${key}` });
    seen.add(key);
  });
  return errors;
}

function validateContainerCommon(container: Container, volumes: Map<string, Json>, at: string): FieldError[] {
  const errors: FieldError[] = [];
  const name = container.name ?? '';
  if (name === '') errors.push({ pointer: childPointer(at, 'name'), message: 'container name is required' });
  else errors.push(...errorsAt(childPointer(at, 'name'), `container name ${JSON.stringify(name)}`, dns1123LabelProblems(name)));
  if (!container.image) errors.push({ pointer: childPointer(at, 'image'), message: 'image is required' });
  errors.push(
    ...requiredEnum(
      container.terminationMessagePolicy,
      TERMINATION_MESSAGE_POLICIES,
      childPointer(at, 'terminationMessagePolicy'),
      'terminationMessagePolicy',
    ),
  );
  errors.push(...validatePorts(container.ports ?? [], childPointer(at, 'ports')));
  errors.push(...validateEnv(container.env ?? [], childPointer(at, 'env')));
  errors.push(...validateEnvFrom(container.envFrom ?? [], childPointer(at, 'envFrom')));
  errors.push(...validateMountsAndDevices(container, volumes, at));
  errors.push(...requiredEnum(container.imagePullPolicy, PULL_POLICIES, childPointer(at, 'imagePullPolicy'), 'imagePullPolicy'));
  errors.push(...validateResources(container.resources as Json | undefined, childPointer(at, 'resources')));
  errors.push(...validateResizePolicy(container.resizePolicy ?? [], childPointer(at, 'resizePolicy')));
  return errors;
}

function requiredEnum(value: string | undefined, allowed: readonly string[], pointer: string, field: string): FieldError[] {
  if (!value) return [{ pointer, message: `${field} is required` }];
  return allowed.includes(value)
    ? []
    : [{ pointer, message: `unsupported ${field} ${JSON.stringify(value)}: must be one of ${allowed.join(', ')}` }];
}

function portNumberProblem(port: unknown): string | undefined {
  return Number.isInteger(port) && (port as number) >= 1 && (port as number) <= 65535
    ? undefined
    : 'must be between 1 and 65535, inclusive';
}

function validatePorts(ports: NonNullable<Container['ports']>, pointer: string): FieldError[] {
  const errors: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const at = childPointer(pointer, i);
    if (port.name) {
      const problems = portNameProblems(port.name);
      if (problems.length > 0) errors.push(...errorsAt(childPointer(at, 'name'), `port name ${JSON.stringify(port.name)}`, problems));
      else if (names.has(port.name))
        errors.push({ pointer: childPointer(at, 'name'), message: `duplicate port name ${JSON.stringify(port.name)}` });
      else names.add(port.name);
    }
    if (!port.containerPort) errors.push({ pointer: childPointer(at, 'containerPort'), message: 'containerPort is required' });
    else {
      const problem = portNumberProblem(port.containerPort);
      if (problem) errors.push({ pointer: childPointer(at, 'containerPort'), message: `containerPort ${problem}` });
    }
    if (port.hostPort) {
      const problem = portNumberProblem(port.hostPort);
      if (problem) errors.push({ pointer: childPointer(at, 'hostPort'), message: `hostPort ${problem}` });
    }
    errors.push(...requiredEnum(port.protocol, PORT_PROTOCOLS, childPointer(at, 'protocol'), 'protocol'));
  });
  return errors;
}

function validateEnv(env: NonNullable<Container['env']>, pointer: string): FieldError[] {
  const errors: FieldError[] = [];
  env.forEach((variable, i) => {
    const at = childPointer(pointer, i);
    if (!variable.name) errors.push({ pointer: childPointer(at, 'name'), message: 'env var name is required' });
    else
      errors.push(
        ...errorsAt(childPointer(at, 'name'), `env var name ${JSON.stringify(variable.name)}`, envVarNameProblems(variable.name)),
      );
    if (variable.valueFrom)
      errors.push(...validateEnvValueFrom(variable.valueFrom as unknown as Json, variable.value, childPointer(at, 'valueFrom')));
  });
  return errors;
}

function validateEnvValueFrom(from: Json, value: string | undefined, at: string): FieldError[] {
  const errors: FieldError[] = [];
  const sources = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'].filter((s) => from[s]);
  for (const source of sources) {
    const ref = from[source] as Json;
    const refAt = childPointer(at, source);
    if (source === 'fieldRef') errors.push(...validateEnvFieldRef(ref, refAt));
    else if (source === 'resourceFieldRef') {
      const resource = String(ref.resource ?? '');
      if (!resource) errors.push({ pointer: childPointer(refAt, 'resource'), message: 'resource is required' });
      else if (!ENV_RESOURCE_FIELDS.has(resource) && !/^(limits|requests)\.hugepages-/.test(resource)) {
        errors.push({ pointer: childPointer(refAt, 'resource'), message: `unsupported resource ${JSON.stringify(resource)}` });
      }
    } else errors.push(...validateKeySelector(ref, refAt));
  }
  if (sources.length === 0) {
    errors.push({ pointer: at, message: 'must specify one of: fieldRef, resourceFieldRef, configMapKeyRef or secretKeyRef' });
  } else if (value) {
    errors.push({ pointer: at, message: 'valueFrom may not be specified when value is not empty' });
  } else if (sources.length > 1) {
    errors.push({ pointer: at, message: `valueFrom may have only one source, found ${sources.join(', ')}` });
  }
  return errors;
}

function validateEnvFieldRef(ref: Json, at: string): FieldError[] {
  if (!ref.apiVersion) return [{ pointer: childPointer(at, 'apiVersion'), message: 'apiVersion is required' }];
  if (!ref.fieldPath) return [{ pointer: childPointer(at, 'fieldPath'), message: 'fieldPath is required' }];
  const fieldPath = String(ref.fieldPath);
  if (ref.apiVersion !== 'v1')
    return [{ pointer: childPointer(at, 'fieldPath'), message: `unsupported apiVersion ${JSON.stringify(ref.apiVersion)} for fieldPath` }];
  const subscripted = splitSubscriptedPath(fieldPath);
  if (subscripted) {
    const { path, subscript } = subscripted;
    if (path === 'metadata.annotations')
      return errorsAt(at, `annotation key ${JSON.stringify(subscript)}`, qualifiedNameProblems(subscript.toLowerCase()));
    if (path === 'metadata.labels') return errorsAt(at, `label key ${JSON.stringify(subscript)}`, qualifiedNameProblems(subscript));
    return [{ pointer: childPointer(at, 'fieldPath'), message: `${path} does not support a subscript` }];
  }
  return ENV_FIELD_PATHS.has(fieldPath)
    ? []
    : [
        {
          pointer: childPointer(at, 'fieldPath'),
          message:
            `unsupported fieldPath ${JSON.stringify(fieldPath)}: must be one of ` +
            `${[...ENV_FIELD_PATHS].join(', ')}, metadata.labels['<key>'] or metadata.annotations['<key>']`,
        },
      ];
}

/** `metadata.labels['app']` → { path: 'metadata.labels', subscript: 'app' }; undefined without a subscript. */
export function splitSubscriptedPath(fieldPath: string): { path: string; subscript: string } | undefined {
  if (!fieldPath.endsWith("']")) return undefined;
  const inner = fieldPath.slice(0, -2);
  const open = inner.indexOf("['");
  if (open <= 0) return undefined;
  return { path: inner.slice(0, open), subscript: inner.slice(open + 2) };
}

function validateKeySelector(ref: Json, at: string): FieldError[] {
  const errors: FieldError[] = [];
  const name = String(ref.name ?? '');
  if (!name) errors.push({ pointer: childPointer(at, 'name'), message: 'name is required' });
  else errors.push(...errorsAt(childPointer(at, 'name'), `name ${JSON.stringify(name)}`, dns1123SubdomainProblems(name)));
  const key = String(ref.key ?? '');
  if (!key) errors.push({ pointer: childPointer(at, 'key'), message: 'key is required' });
  else if (utf8Length(key) > 253 || !CONFIG_MAP_KEY.test(key) || key === '.' || key === '..' || key.startsWith('..')) {
    errors.push({
      pointer: childPointer(at, 'key'),
      message: `key ${JSON.stringify(key)} must consist of letters, digits, '-', '_' or '.' and must not be or start with '..'`,
    });
  }
  return errors;
}

function validateEnvFrom(envFrom: NonNullable<Container['envFrom']>, pointer: string): FieldError[] {
  const errors: FieldError[] = [];
  envFrom.forEach((source, i) => {
    const at = childPointer(pointer, i);
    if (source.prefix)
      errors.push(...errorsAt(childPointer(at, 'prefix'), `prefix ${JSON.stringify(source.prefix)}`, envVarNameProblems(source.prefix)));
    const refs = (['configMapRef', 'secretRef'] as const).filter((r) => source[r]);
    for (const r of refs) {
      const name = source[r]?.name ?? '';
      if (!name) errors.push({ pointer: childPointer(at, r, 'name'), message: 'name is required' });
      else errors.push(...errorsAt(childPointer(at, r, 'name'), `name ${JSON.stringify(name)}`, dns1123SubdomainProblems(name)));
    }
    if (refs.length === 0) errors.push({ pointer: at, message: 'must specify one of: configMapRef or secretRef' });
    else if (refs.length > 1) errors.push({ pointer: at, message: 'may specify only one of configMapRef and secretRef' });
  });
  return errors;
}

function isBlockCapable(source: Json | undefined): boolean {
  return !!source && (!!source.persistentVolumeClaim || !!source.ephemeral);
}

function validateMountsAndDevices(container: Container, volumes: Map<string, Json>, at: string): FieldError[] {
  const mounts = container.volumeMounts ?? [];
  const devices = container.volumeDevices ?? [];
  return [...validateMounts(mounts, devices, volumes, at), ...validateDevices(devices, mounts, volumes, at)];
}

type Mount = NonNullable<Container['volumeMounts']>[number];
type Device = NonNullable<Container['volumeDevices']>[number];

function validateMounts(mounts: readonly Mount[], devices: readonly Device[], volumes: Map<string, Json>, at: string): FieldError[] {
  const errors: FieldError[] = [];
  const deviceNames = new Set(devices.map((d) => d.name));
  const devicePaths = new Set(devices.map((d) => d.devicePath));
  const seenMountPaths = new Set<string>();
  mounts.forEach((mount, i) => {
    const mountAt = childPointer(at, 'volumeMounts', i);
    const report = (field: string, message: string) => errors.push({ pointer: childPointer(mountAt, field), message });
    const name = JSON.stringify(mount.name);
    const path = JSON.stringify(mount.mountPath);
    if (!mount.name) report('name', 'volume mount name is required');
    if (!volumes.has(mount.name)) report('name', `volume ${name} not found: mounts must name a volume of this SidecarSet's spec.volumes`);
    if (!mount.mountPath) report('mountPath', 'mountPath is required');
    if (seenMountPaths.has(mount.mountPath)) report('mountPath', `mountPath ${path} must be unique within the container`);
    seenMountPaths.add(mount.mountPath);
    if (deviceNames.has(mount.name)) report('name', `volume ${name} is already used in volumeDevices`);
    if (devicePaths.has(mount.mountPath)) report('mountPath', `mountPath ${path} is already a devicePath in volumeDevices`);
    if (mount.subPath) errors.push(...validateRelativePath(mount.subPath, childPointer(mountAt, 'subPath')));
    if (mount.subPathExpr) {
      if (mount.subPath) report('subPathExpr', 'subPathExpr and subPath are mutually exclusive');
      errors.push(...validateRelativePath(mount.subPathExpr, childPointer(mountAt, 'subPathExpr')));
    }
  });
  return errors;
}

function validateDevices(devices: readonly Device[], mounts: readonly Mount[], volumes: Map<string, Json>, at: string): FieldError[] {
  const errors: FieldError[] = [];
  const mountNames = new Set(mounts.map((m) => m.name));
  const mountPaths = new Set(mounts.map((m) => m.mountPath));
  const seenDeviceNames = new Set<string>();
  const seenDevicePaths = new Set<string>();
  devices.forEach((device, i) => {
    const deviceAt = childPointer(at, 'volumeDevices', i);
    const report = (field: string, message: string) => errors.push({ pointer: childPointer(deviceAt, field), message });
    const name = JSON.stringify(device.name);
    const path = JSON.stringify(device.devicePath);
    const volume = volumes.get(device.name);
    if (!device.name) report('name', 'volume device name is required');
    if (seenDeviceNames.has(device.name)) report('name', `volume device ${name} must be unique`);
    if (volume && !isBlockCapable(volume)) {
      report('name', `volume ${name} must be a persistentVolumeClaim or ephemeral volume to be used as a block device`);
    }
    if (!volume) report('name', `volume ${name} not found: devices must name a volume of this SidecarSet's spec.volumes`);
    if (!device.devicePath) report('devicePath', 'devicePath is required');
    if (seenDevicePaths.has(device.devicePath)) report('devicePath', `devicePath ${path} must be unique`);
    if (device.devicePath && device.devicePath.split('/').includes('..')) report('devicePath', `devicePath ${path} must not contain '..'`);
    else seenDevicePaths.add(device.devicePath);
    if (mountNames.has(device.name)) report('name', `volume ${name} is already used in volumeMounts`);
    if (mountPaths.has(device.devicePath)) report('devicePath', `devicePath ${path} is already a mountPath in volumeMounts`);
    if (device.name) seenDeviceNames.add(device.name);
  });
  return errors;
}

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

const isHugePages = (name: string) => name.startsWith('hugepages-');
const isNativeResource = (name: string) => !name.includes('/') || name.startsWith('kubernetes.io/');
// Hugepages and extended resources cannot be overcommitted: their requests must equal their limits.
const isOvercommitAllowed = (name: string) => isNativeResource(name) && !isHugePages(name);

function resourceNameProblem(name: string): string | undefined {
  if (STANDARD_CONTAINER_RESOURCES.has(name) || isHugePages(name)) return undefined;
  const extended = !isNativeResource(name) && !name.startsWith('requests.') && isQualifiedName(`requests.${name}`);
  return extended
    ? undefined
    : `${JSON.stringify(name)} must be a standard resource for containers (cpu, memory, ephemeral-storage, ` +
        `hugepages-<size>) or an extended resource (example.com/name)`;
}

function parseQuantity(value: unknown): Quantity | string {
  try {
    return Quantity.parse(String(value));
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

function validateResources(resources: Json | undefined, pointer: string): FieldError[] {
  if (!resources) return [];
  const errors: FieldError[] = [];
  const limits = (resources.limits ?? {}) as Record<string, unknown>;
  const requests = (resources.requests ?? {}) as Record<string, unknown>;
  const parsedLimits = new Map<string, Quantity>();
  let hasCpuOrMemory = false;
  let hasHugePages = false;
  const check = (section: 'limits' | 'requests', map: Record<string, unknown>): Map<string, Quantity> => {
    const parsed = new Map<string, Quantity>();
    for (const name of Object.keys(map).sort()) {
      const at = childPointer(pointer, section, name);
      const nameProblem = resourceNameProblem(name);
      if (nameProblem) errors.push({ pointer: at, message: nameProblem });
      const quantity = parseQuantity(map[name]);
      if (typeof quantity === 'string') {
        errors.push({ pointer: at, message: `invalid quantity ${JSON.stringify(map[name])}: ${quantity}` });
        continue;
      }
      if (quantity.sign() < 0) errors.push({ pointer: at, message: `${name} ${section} must be greater than or equal to 0` });
      else if (!isNativeResource(name) && quantity.milliValue() % 1000n !== 0n) {
        errors.push({ pointer: at, message: `${name} ${section} must be an integer` });
      }
      if (name === 'cpu' || name === 'memory') hasCpuOrMemory = true;
      if (isHugePages(name)) hasHugePages = true;
      parsed.set(name, quantity);
    }
    return parsed;
  };
  for (const [name, q] of check('limits', limits)) parsedLimits.set(name, q);
  for (const [name, request] of check('requests', requests)) {
    const at = childPointer(pointer, 'requests', name);
    const limit = parsedLimits.get(name);
    if (limit) {
      if (!isOvercommitAllowed(name) && request.cmp(limit) !== 0) {
        errors.push({ pointer: at, message: `${name} request ${request.toString()} must equal its limit ${limit.toString()}` });
      } else if (request.cmp(limit) > 0) {
        errors.push({
          pointer: at,
          message: `${name} request ${request.toString()} must be less than or equal to its limit ${limit.toString()}`,
        });
      }
    } else if (!isOvercommitAllowed(name) && Object.prototype.hasOwnProperty.call(limits, name) === false) {
      errors.push({ pointer: childPointer(pointer, 'limits'), message: `a limit must be set for ${name}, which cannot be overcommitted` });
    }
  }
  if (hasHugePages && !hasCpuOrMemory) errors.push({ pointer, message: 'hugepages require a cpu or memory request or limit' });
  return errors;
}

function validateResizePolicy(policies: NonNullable<Container['resizePolicy']>, pointer: string): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  policies.forEach((policy, i) => {
    const at = childPointer(pointer, i);
    if (policy.resourceName !== 'cpu' && policy.resourceName !== 'memory') {
      errors.push({
        pointer: childPointer(at, 'resourceName'),
        message: `unsupported resourceName ${JSON.stringify(policy.resourceName)}: must be cpu or memory`,
      });
    } else if (seen.has(policy.resourceName)) {
      errors.push({ pointer: childPointer(at, 'resourceName'), message: `duplicate resize policy for ${policy.resourceName}` });
    }
    seen.add(policy.resourceName);
    if (policy.restartPolicy !== 'NotRequired' && policy.restartPolicy !== 'RestartContainer') {
      errors.push({
        pointer: childPointer(at, 'restartPolicy'),
        message: `unsupported restartPolicy ${JSON.stringify(policy.restartPolicy)}: must be NotRequired or RestartContainer`,
      });
    }
  });
  return errors;
}

type ProbeKind = 'liveness' | 'readiness' | 'startup';

function validateProbe(probe: Container['livenessProbe'], pointer: string, kind: ProbeKind): FieldError[] {
  if (!probe) return [];
  const p = probe as unknown as Json;
  const errors = validateHandlers(p, pointer, ['exec', 'httpGet', 'tcpSocket', 'grpc']);
  for (const field of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    if (Number(p[field] ?? 0) < 0)
      errors.push({ pointer: childPointer(pointer, field), message: `${field} must be greater than or equal to 0` });
  }
  const grace = p.terminationGracePeriodSeconds;
  if (grace !== undefined && grace !== null) {
    if (kind === 'readiness') {
      errors.push({
        pointer: childPointer(pointer, 'terminationGracePeriodSeconds'),
        message: 'terminationGracePeriodSeconds must not be set for readiness probes',
      });
    } else if (Number(grace) <= 0) {
      errors.push({
        pointer: childPointer(pointer, 'terminationGracePeriodSeconds'),
        message: 'terminationGracePeriodSeconds must be greater than 0',
      });
    }
  }
  // Only liveness and readiness probes are defaulted, so a startup probe needs an explicit successThreshold: 1.
  if (kind !== 'readiness' && Number(p.successThreshold ?? 0) !== 1) {
    errors.push({ pointer: childPointer(pointer, 'successThreshold'), message: `successThreshold of a ${kind} probe must be 1` });
  }
  return errors;
}

function validateLifecycle(lifecycle: Json, pointer: string): FieldError[] {
  const errors: FieldError[] = [];
  for (const hook of ['postStart', 'preStop']) {
    if (lifecycle[hook])
      errors.push(...validateHandlers(lifecycle[hook] as Json, childPointer(pointer, hook), ['exec', 'httpGet', 'tcpSocket', 'sleep']));
  }
  return errors;
}

function validateHandlers(holder: Json, pointer: string, kinds: readonly string[]): FieldError[] {
  const present = kinds.filter((k) => holder[k]);
  if (present.length === 0) return [{ pointer, message: `must specify a handler type: one of ${kinds.join(', ')}` }];
  const errors: FieldError[] = present
    .slice(1)
    .map((k) => ({ pointer: childPointer(pointer, k), message: `may not specify more than 1 handler type (already has ${present[0]})` }));
  const kind = present[0];
  const handler = holder[kind] as Json;
  const at = childPointer(pointer, kind);
  switch (kind) {
    case 'exec':
      if (!Array.isArray(handler.command) || handler.command.length === 0) {
        errors.push({ pointer: childPointer(at, 'command'), message: 'exec.command is required' });
      }
      break;
    case 'httpGet':
      if (!handler.path) errors.push({ pointer: childPointer(at, 'path'), message: 'httpGet.path is required' });
      errors.push(...validatePortNumberOrName(handler.port, childPointer(at, 'port')));
      if (handler.scheme !== 'HTTP' && handler.scheme !== 'HTTPS') {
        errors.push({
          pointer: childPointer(at, 'scheme'),
          message: `unsupported httpGet.scheme ${JSON.stringify(handler.scheme ?? '')}: must be HTTP or HTTPS`,
        });
      }
      break;
    case 'tcpSocket':
      errors.push(...validatePortNumberOrName(handler.port, childPointer(at, 'port')));
      break;
    case 'grpc': {
      const problem = portNumberProblem(handler.port);
      if (problem) errors.push({ pointer: childPointer(at, 'port'), message: `port ${problem}` });
      break;
    }
    case 'sleep': {
      const seconds = Number(handler.seconds);
      if (!(seconds > 0 && seconds <= POD_TERMINATION_GRACE_PERIOD_SECONDS)) {
        errors.push({
          pointer: childPointer(at, 'seconds'),
          message:
            `sleep.seconds must be greater than 0 and at most the pod's terminationGracePeriodSeconds ` +
            `(${POD_TERMINATION_GRACE_PERIOD_SECONDS})`,
        });
      }
      break;
    }
  }
  return errors;
}

function validatePortNumberOrName(port: unknown, pointer: string): FieldError[] {
  if (typeof port === 'string') {
    if (/^[0-9]+$/.test(port)) return [{ pointer, message: `port ${JSON.stringify(port)} must be a number or an IANA service name` }];
    return errorsAt(pointer, `port name ${JSON.stringify(port)}`, portNameProblems(port));
  }
  const problem = portNumberProblem(port);
  return problem ? [{ pointer, message: `port ${problem}` }] : [];
}

function asArray(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter((v): v is Json => typeof v === 'object' && v !== null) : [];
}
