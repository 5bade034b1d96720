// The defaults a SidecarSet receives before Kruise stores it (apis/apps/defaults/v1beta1.go, SetDefaultsSidecarSetV1beta1): CRD structural
// defaults plus
// the SidecarSet mutating webhook (Kruise's setDefault* functions and the Kubernetes core defaulters
// they call). Values of the wrong JSON type are left untouched: Kruise would reject them while
// decoding, which containerDecodeFindings reports.
import { Quantity, QuantityParseError } from '../k8s/quantity.js';
import { VOLUME_SOURCES } from '../k8s/validation.js';
import { deepClone } from '../util/json.js';
import { goTrimSpace } from './go-json.js';
import type { SidecarSet, SidecarSetSpec } from './types.js';

type JsonObject = Record<string, unknown>;

function asObject(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

function asObjects(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.map(asObject).filter((item): item is JsonObject => item !== undefined) : [];
}

/** Go's zero value check for the scalar fields defaulted here: absent, JSON null, "" or 0. */
function isUnset(value: unknown): boolean {
  return value === undefined || value === null || value === '' || value === 0;
}

function setIfUnset(target: JsonObject, key: string, value: unknown): void {
  if (isUnset(target[key])) target[key] = value;
}

/** A non-pointer Go struct field: JSON null or absence both mean the zero struct, which defaults then fill. */
function structField(target: JsonObject, key: string): JsonObject | undefined {
  if (target[key] === undefined || target[key] === null) target[key] = {};
  return asObject(target[key]);
}

// github.com/distribution/reference (v0.6), as used by Kubernetes' image-name parser.
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const HEX_IDENTIFIER = /^[a-f0-9]{64}$/;
const NAME_TOTAL_LENGTH_MAX = 255;
// A valid reference is a name of at most 255 characters, a tag of at most 128 and a registered digest;
// anything much longer cannot parse, and is refused before running the regular expression on it.
const REFERENCE_LENGTH_MAX = 1024;
const DIGEST_HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };

function splitDockerDomain(name: string): { domain: string; remainder: string } {
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  const isDomain = slash !== -1 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first);
  let domain = isDomain ? first : 'docker.io';
  let remainder = isDomain ? name.slice(slash + 1) : name;
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && !remainder.includes('/')) remainder = `library/${remainder}`;
  return { domain, remainder };
}

function isValidDigest(digest: string): boolean {
  const colon = digest.indexOf(':');
  const expectedLength = DIGEST_HEX_LENGTH[digest.slice(0, colon)];
  const encoded = digest.slice(colon + 1);
  return expectedLength === encoded.length && /^[a-f0-9]+$/.test(encoded);
}

/** The tag Kubernetes' ParseImageName reports ("latest" when neither tag nor digest), or undefined when unparsable. */
function imageTag(image: string): string | undefined {
  if (image.length > REFERENCE_LENGTH_MAX || HEX_IDENTIFIER.test(image)) return undefined;
  const { domain, remainder } = splitDockerDomain(image);
  const colon = remainder.indexOf(':');
  const repository = colon === -1 ? remainder : remainder.slice(0, colon);
  if (repository.toLowerCase() !== repository) return undefined;
  const match = REFERENCE.exec(`${domain}/${remainder}`);
  if (!match || match[1].length > NAME_TOTAL_LENGTH_MAX) return undefined;
  const [, , tag, digest] = match;
  if (digest !== undefined && !isValidDigest(digest)) return undefined;
  return tag ?? (digest === undefined ? 'latest' : '');
}

/** Kubernetes SetDefaults_Container's pull policy: Always for ":latest" or untagged images, else IfNotPresent. */
export function defaultImagePullPolicy(image: string): 'Always' | 'IfNotPresent' {
  return imageTag(image) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultFieldSelector(fieldRef: unknown): void {
  const selector = asObject(fieldRef);
  if (selector) setIfUnset(selector, 'apiVersion', 'v1');
}

function defaultHttpGet(handler: unknown): void {
  const httpGet = asObject(asObject(handler)?.httpGet);
  if (!httpGet) return;
  setIfUnset(httpGet, 'path', '/');
  setIfUnset(httpGet, 'scheme', 'HTTP');
}

function defaultProbe(value: unknown): void {
  const probe = asObject(value);
  if (!probe) return;
  setIfUnset(probe, 'timeoutSeconds', 1);
  setIfUnset(probe, 'periodSeconds', 10);
  setIfUnset(probe, 'successThreshold', 1);
  setIfUnset(probe, 'failureThreshold', 3);
  defaultHttpGet(probe);
}

function roundResourceList(value: unknown): void {
  const list = asObject(value);
  if (!list) return;
  for (const [name, quantity] of Object.entries(list)) {
    if (typeof quantity !== 'string' && typeof quantity !== 'number') continue;
    try {
      const rounded = Quantity.parse(goTrimSpace(String(quantity)))
        .roundUpToMilli()
        .toString();
      Object.defineProperty(list, name, { value: rounded, enumerable: true, writable: true, configurable: true });
    } catch (error) {
      if (!(error instanceof QuantityParseError)) throw error;
    }
  }
}

function defaultSidecarContainer(container: JsonObject, podInjectPolicy: string): void {
  setIfUnset(container, 'podInjectPolicy', podInjectPolicy);
  const upgradeStrategy = structField(container, 'upgradeStrategy');
  if (upgradeStrategy) setIfUnset(upgradeStrategy, 'upgradeType', 'ColdUpgrade');
  const shareVolumePolicy = structField(container, 'shareVolumePolicy');
  if (shareVolumePolicy) setIfUnset(shareVolumePolicy, 'type', 'disabled');

  setIfUnset(container, 'imagePullPolicy', defaultImagePullPolicy(typeof container.image === 'string' ? container.image : ''));
  setIfUnset(container, 'terminationMessagePath', '/dev/termination-log');
  setIfUnset(container, 'terminationMessagePolicy', 'File');
  for (const port of asObjects(container.ports)) setIfUnset(port, 'protocol', 'TCP');
  for (const transfer of asObjects(container.transferEnv)) {
    defaultFieldSelector(asObject(transfer.sourceContainerNameFrom)?.fieldRef);
  }
  for (const env of asObjects(container.env)) defaultFieldSelector(asObject(env.valueFrom)?.fieldRef);
  const resources = asObject(container.resources);
  roundResourceList(resources?.limits);
  roundResourceList(resources?.requests);
  defaultProbe(container.livenessProbe);
  defaultProbe(container.readinessProbe);
  const lifecycle = asObject(container.lifecycle);
  defaultHttpGet(lifecycle?.postStart);
  defaultHttpGet(lifecycle?.preStop);

  const resourcesPolicy = asObject(container.resourcesPolicy);
  if (resourcesPolicy && (resourcesPolicy.targetContainersNameRegex ?? null) === null) {
    resourcesPolicy.targetContainersNameRegex = '.*';
  }
}

const DEFAULT_FILE_MODE = 0o644;
const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;

function defaultModeIfNil(source: JsonObject | undefined): void {
  if (source && (source.defaultMode ?? null) === null) source.defaultMode = DEFAULT_FILE_MODE;
}

function defaultDownwardApiItems(source: JsonObject | undefined): void {
  for (const item of asObjects(source?.items)) defaultFieldSelector(item.fieldRef);
}

function defaultVolume(volume: JsonObject): void {
  // A volume with no VolumeSource member becomes an emptyDir.
  if (VOLUME_SOURCES.every((key) => (volume[key] ?? null) === null)) volume.emptyDir = {};
  const hostPath = asObject(volume.hostPath);
  if (hostPath && (hostPath.type ?? null) === null) hostPath.type = '';
  defaultModeIfNil(asObject(volume.secret));
  defaultModeIfNil(asObject(volume.configMap));
  const downwardAPI = asObject(volume.downwardAPI);
  defaultModeIfNil(downwardAPI);
  defaultDownwardApiItems(downwardAPI);
  const projected = asObject(volume.projected);
  defaultModeIfNil(projected);
  for (const source of asObjects(projected?.sources)) {
    defaultDownwardApiItems(asObject(source.downwardAPI));
    const token = asObject(source.serviceAccountToken);
    if (token && (token.expirationSeconds ?? null) === null) token.expirationSeconds = DEFAULT_TOKEN_EXPIRATION_SECONDS;
  }
}

/** The SidecarSet with every default of SetDefaultsSidecarSetV1beta1 applied (hashes excluded); the input is not modified. */
export function defaultSidecarSet(s: SidecarSet): SidecarSet {
  // A tree copy: YAML aliases may share one object between fields that are defaulted differently.
  const sidecarSet = deepClone(s);
  const spec = (asObject(sidecarSet.spec) ?? {}) as JsonObject;
  sidecarSet.spec = spec as SidecarSetSpec;

  const updateStrategy = structField(spec, 'updateStrategy');
  if (updateStrategy) {
    setIfUnset(updateStrategy, 'type', 'RollingUpdate');
    if ((updateStrategy.maxUnavailable ?? null) === null) updateStrategy.maxUnavailable = 1;
    if ((updateStrategy.partition ?? null) === null) updateStrategy.partition = 0;
  }
  for (const container of asObjects(spec.initContainers)) defaultSidecarContainer(container, 'AfterAppContainer');
  for (const container of asObjects(spec.containers)) defaultSidecarContainer(container, 'BeforeAppContainer');
  for (const volume of asObjects(spec.volumes)) defaultVolume(volume);
  if ((spec.revisionHistoryLimit ?? null) === null) spec.revisionHistoryLimit = 10;
  for (const patch of asObjects(spec.patchPodMetadata)) setIfUnset(patch, 'patchPolicy', 'Retain');
  const revision = asObject(asObject(spec.injectionStrategy)?.revision);
  if (revision) setIfUnset(revision, 'policy', 'Always');
  for (const secret of asObjects(spec.imagePullSecrets)) {
    if ((secret.name ?? null) === null) secret.name = '';
  }
  return sidecarSet;
}

/**
 * Inputs on which Kruise's defaulter itself fails (the SidecarSet is never admitted): a
 * transferEnv sourceContainerNameFrom without fieldRef dereferences a nil pointer.
 */
export function sidecarSetDefaultingProblems(s: SidecarSet): string[] {
  const problems: string[] = [];
  const spec = asObject(s.spec);
  for (const list of ['initContainers', 'containers'] as const) {
    const containers = Array.isArray(spec?.[list]) ? (spec[list] as unknown[]) : [];
    containers.forEach((container, i) => {
      const transfers = asObject(container)?.transferEnv;
      (Array.isArray(transfers) ? transfers : []).forEach((transfer, j) => {
        const from = asObject(asObject(transfer)?.sourceContainerNameFrom);
        if (from && (from.fieldRef ?? null) === null) {
          problems.push(`spec.${list}[${i}].transferEnv[${j}].sourceContainerNameFrom.fieldRef is required`);
        }
      });
    });
  }
  return problems;
}
