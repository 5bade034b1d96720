// kruise.io/sidecarset-hash and kruise.io/sidecarset-hash-without-image (pkg/control/sidecarcontrol/hash.go,
// SidecarSetHashV1beta1 and SidecarSetHashWithoutImageV1beta1).
import { createHash } from 'node:crypto';
import { GoDecodeError, goJson, goOrderSidecarContainer, goOrderSidecarContainerChanged } from './go-json.js';
import type { SidecarContainer, SidecarSetSpec } from './types.js';

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** k8s.io/apimachinery rand.SafeEncodeString: each character mapped by code point, so no vowels appear. */
export function safeEncodeString(text: string): string {
  let encoded = '';
  for (const ch of text) encoded += SAFE_ALPHABET[ch.codePointAt(0)! % SAFE_ALPHABET.length];
  return encoded;
}

function encodeList(containers: unknown, field: string): Record<string, unknown>[] | null {
  if (containers === undefined || containers === null) return null;
  if (!Array.isArray(containers)) throw new GoDecodeError([`spec.${field}: expected an array`]);
  return containers.map((c: SidecarContainer, i) => goOrderSidecarContainer(c, `spec.${field}[${i}]`));
}

function hashContainers(containers: Record<string, unknown>[] | null, initContainers: Record<string, unknown>[] | null): string {
  // Keys in sorted order, as Go writes a map; an absent containers list is a nil slice, i.e. null.
  const hashed: Record<string, unknown> = { containers };
  // Classic init containers never count; one native sidecar (restartPolicy Always) brings them all in.
  if (initContainers?.some((c) => c.restartPolicy === 'Always')) hashed.initContainers = initContainers;
  const digest = createHash('sha256').update(goJson(hashed), 'utf8').digest('hex');
  return safeEncodeString(digest);
}

const IMAGE = new Set(['image']);

/** The encoded containers with an empty image: only that field is encoded again. */
function withoutImage(encoded: Record<string, unknown>[] | null, containers: unknown): Record<string, unknown>[] | null {
  return (
    encoded && encoded.map((c, i) => goOrderSidecarContainerChanged(c, { ...(containers as SidecarContainer[])[i], image: '' }, IMAGE))
  );
}

/**
 * Both SidecarSet hashes of an already defaulted spec. Throws GoDecodeError when a container holds a
 * value Kruise's decoder would reject.
 */
export function sidecarSetHashes(spec: SidecarSetSpec): { hash: string; hashWithoutImage: string } {
  const containers = encodeList(spec.containers, 'containers');
  const initContainers = encodeList(spec.initContainers, 'initContainers');
  return {
    hash: hashContainers(containers, initContainers),
    hashWithoutImage: hashContainers(withoutImage(containers, spec.containers), withoutImage(initContainers, spec.initContainers)),
  };
}
