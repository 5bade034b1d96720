// The annotation and label keys Kruise reads and writes on SidecarSets, ControllerRevisions and
// pods, each with the Kruise constant it mirrors.

/** On a pod: SidecarSet → hash entry (pkg/control/sidecarcontrol/util.go, SidecarSetHashAnnotation); on a SidecarSet: its hash. */
export const HASH_ANNOTATION = 'kruise.io/sidecarset-hash';
/** The same without images (pkg/control/sidecarcontrol/util.go, SidecarSetHashWithoutImageAnnotation). */
export const HASH_WITHOUT_IMAGE_ANNOTATION = 'kruise.io/sidecarset-hash-without-image';
/** On a pod: the SidecarSets that were injected (pkg/control/sidecarcontrol/util.go, SidecarSetListAnnotation). */
export const INJECTED_LIST_ANNOTATION = 'kruise.io/sidecarset-injected-list';
/**
 * On a pod: sidecar → its working hot-upgrade twin (pkg/control/sidecarcontrol/util_hotupgrade.go, SidecarSetWorkingHotUpgradeContainer).
 */
export const WORKING_HOT_UPGRADE_ANNOTATION = 'kruise.io/sidecarset-working-hotupgrade-container';
/** pkg/control/sidecarcontrol/util_hotupgrade.go, GetPodSidecarSetVersionAnnotation. */
export const versionAnnotation = (container: string) => `version.sidecarset.kruise.io/${container}`;
/** pkg/control/sidecarcontrol/util_hotupgrade.go, GetPodSidecarSetVersionAltAnnotation. */
export const versionAltAnnotation = (container: string) => `versionalt.sidecarset.kruise.io/${container}`;

/**
 * On a SidecarSet: a canary of the SidecarSet named by BASE_ANNOTATION (apis/apps/v1beta1/sidecarset_types.go, SidecarSetCanaryAnnotation).
 */
export const CANARY_ANNOTATION = 'apps.kruise.io/sidecarset-canary';
/** apis/apps/v1beta1/sidecarset_types.go, SidecarSetBaseAnnotation. */
export const BASE_ANNOTATION = 'apps.kruise.io/sidecarset-base';
/** On a SidecarSet and its ControllerRevisions (apis/apps/v1beta1/sidecarset_types.go, SidecarSetCustomVersionLabel). */
export const CUSTOM_VERSION_LABEL = 'apps.kruise.io/sidecarset-custom-version';
/** On a ControllerRevision: its SidecarSet (pkg/control/sidecarcontrol/util.go, SidecarSetKindName). */
export const REVISION_SIDECARSET_LABEL = 'kruise.io/sidecarset-name';
