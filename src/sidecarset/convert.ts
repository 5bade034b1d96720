// v1alpha1 → v1beta1 SidecarSet conversion, as Kruise's conversion webhook does it (apis/apps/v1alpha1/sidecarset_conversion.go,
// ConvertTo).
import { deepClone } from '../util/json.js';
import type { SidecarSet } from './types.js';
import { NAMESPACE_NAME_LABEL } from '../k8s/selector.js';
import { CUSTOM_VERSION_LABEL } from './kruise-keys.js';

const SIDECARSET_V1ALPHA1 = 'apps.kruise.io/v1alpha1';
const SIDECARSET_V1BETA1 = 'apps.kruise.io/v1beta1';

/** The storage-version (v1beta1) form of a SidecarSet; the input is not modified. */
export function toV1beta1(s: SidecarSet): SidecarSet {
  const converted = deepClone(s);
  // spec is a struct in Go: absent (or null) decodes to its zero value.
  const spec = (converted.spec ??= {});
  if (s.apiVersion !== SIDECARSET_V1ALPHA1) return converted;

  converted.apiVersion = SIDECARSET_V1BETA1;
  // customVersion does not exist in v1alpha1 (the apiserver prunes it); only the label carries it.
  delete spec.customVersion;
  const { namespace } = spec;
  delete spec.namespace;
  if (typeof namespace === 'string' && namespace !== '') {
    spec.namespaceSelector = { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } };
  }
  const labels = converted.metadata?.labels;
  if (labels && Object.hasOwn(labels, CUSTOM_VERSION_LABEL)) {
    const customVersion = labels[CUSTOM_VERSION_LABEL];
    delete labels[CUSTOM_VERSION_LABEL];
    if (typeof customVersion === 'string' && customVersion !== '') spec.customVersion = customVersion;
    // Go omits an empty label map when serialising.
    if (Object.keys(labels).length === 0) delete converted.metadata.labels;
  }
  return converted;
}
