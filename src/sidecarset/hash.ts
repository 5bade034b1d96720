// kruise.io/sidecarset-hash and kruise.io/sidecarset-hash-without-image (pkg/control/sidecarcontrol/hash.go,
// SidecarSetHashV1beta1 and SidecarSetHashWithoutImageV1beta1).
import { createHash } from 'node:crypto';
import { GoDecodeError, goJson, goOrderSidecarContainer } from './go-json.js';
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

function hashContainers(containers: SidecarContainer[] | undefined, initContainers: SidecarContainer[] | undefined): string {
  // Keys in sorted order, as Go writes a map; an absent containers list is a nil slice, i.e. null.
  const hashed: Record<string, unknown> = { containers: encodeList(containers, 'containers') };
  const init = encodeList(initContainers, 'initContainers');
  // Classic init containers never count; one native sidecar (restartPolicy Always) brings them all in.
  if (init?.some((c) => c.restartPolicy === 'Always')) hashed.initContainers = init;
  const digest = createHash('sha256').update(goJson(hashed), 'utf8').digest('hex');
  return safeEncodeString(digest);
}

function withoutImage(containers: SidecarContainer[] | undefined): SidecarContainer[] | undefined {
  return Array.isArray(containers) ? containers.map((c) => ({ ...c, image: '' })) : containers;
}

/**
 * Both SidecarSet hashes of an already defaulted spec. Throws GoDecodeError when a container holds a
 * value Kruise's decoder would reject.
 */
export function sidecarSetHashes(spec: SidecarSetSpec): { hash: string; hashWithoutImage: string } {
  return {
    hash: hashContainers(spec.containers, spec.initContainers),
    hashWithoutImage: hashContainers(withoutImage(spec.containers), withoutImage(spec.initContainers)),
  };
}
