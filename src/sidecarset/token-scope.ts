// Who gets the ServiceAccount token a SidecarSet injects (our extension): the whole pod, as
// Kubernetes does, or only the SidecarSet's own containers. Chosen per SidecarSet by annotation.
import type { TokenScope } from '../config/options.js';

export const TOKEN_SCOPE_ANNOTATION = 'inject-sidecarsets.kpt.dev/service-account-token-scope';

/** `Pod` when the annotation is absent; anything but `Pod` or `Sidecars` is invalid. */
export function tokenScopeOf(annotations: Record<string, string> | undefined): TokenScope | { invalid: string } {
  const value: unknown = annotations?.[TOKEN_SCOPE_ANNOTATION];
  if (value === undefined) return 'Pod';
  if (value === 'Pod' || value === 'Sidecars') return value;
  return { invalid: String(value) };
}
