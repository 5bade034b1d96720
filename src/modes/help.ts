// `inject-sidecarsets --help` (also what `kpt fn doc` shows).
import { CONFIG_API_VERSION, CONFIG_KIND, CONFIGMAP_KEYS, STEP_ANNOTATION } from '../config/forms.js';
import {
  DEFAULT_OPTIONS,
  MISSING_SERVICE_ACCOUNT_SEVERITIES,
  FAIL_ON_SEVERITIES,
  MODES,
  PARTIAL_REVISION_POLICIES,
  UNDECIDABLE_NAMESPACE_POLICIES,
} from '../config/options.js';
import { TOKEN_SCOPE_ANNOTATION } from '../sidecarset/token-scope.js';
import { PLACEMENT_ANNOTATION } from '../sidecarset/placement.js';
import { INJECT_ANNOTATION, SKIP_ANNOTATION } from '../match/opt-out.js';
import { INJECTIONS_ANNOTATION } from '../inject/ownership.js';

/** `a | b | c [default]`: an option's values and its default, from config/options.ts. */
const choices = (values: readonly string[], chosen: string): string => `${values.join(' | ')} [${chosen}]`;
const gates = DEFAULT_OPTIONS.featureGates;

export const HELP = `inject-sidecarsets — apply OpenKruise SidecarSets to pod templates at render time

Usage:
  inject-sidecarsets < resourcelist.yaml          KRM function (kpt fn eval/render, kustomize)
  inject-sidecarsets --config FILE PATH... [-]    command-line mode on manifest files/dirs
  inject-sidecarsets --help

As a KRM function it reads a ResourceList (YAML or JSON) on stdin and writes the ResourceList
with the SidecarSets injected, plus results, on stdout. Items it does not change are written
back exactly as they came in. Exit code 1 when any result is an error (also printed on stderr).

functionConfig, one of:
  - a SidecarSet (apps.kruise.io/v1alpha1 or v1beta1): one rule
  - a v1 List or a SidecarSetList of SidecarSets: several rules
  - ${CONFIG_API_VERSION} ${CONFIG_KIND}: spec.sidecarSets plus options (below)
  - a ConfigMap (kpt fn eval -- key=value): options that fit in a string; the SidecarSets among
    the items are the rules
  - none: the SidecarSets among the items are the rules

${CONFIG_KIND} spec options (defaults in brackets):
  mode                              ${choices(MODES, DEFAULT_OPTIONS.mode)}
                                    what a run does: inject; validate: items unchanged, an error
                                    per pod template that injection would change; explain: items
                                    unchanged, why each SidecarSet is injected or not, as info
                                    results; uninject: remove what this function injected, give
                                    back what it overwrote
  uninjectStep                      with mode uninject: remove only this step's injection (every
                                    step's when unset)
  sidecarSets                       the SidecarSets to apply (both API versions)
  sidecarSetsFromItems              also apply the SidecarSets found among the items [${DEFAULT_OPTIONS.sidecarSetsFromItems}]
  defaultNamespace                  namespace of workloads without metadata.namespace [${DEFAULT_OPTIONS.defaultNamespace}]
  namespaceLabels                   labels of namespaces not among the items, for
                                    namespaceSelector: {namespace: {label: value}}
  undecidableNamespaceSelector      ${choices(UNDECIDABLE_NAMESPACE_POLICIES, DEFAULT_OPTIONS.undecidableNamespaceSelector)}
                                    what to do when a namespaceSelector cannot be decided from
                                    what is known
  workloadKinds                     workload kinds with a pod template beyond the built-in ones:
                                    [{group, version?, kind, path: spec/template}]
  featureGates:                     Kruise's feature gates, and this function's
                                    SidecarSetServiceAccountInjection
    EnableSortSidecarContainerByName           [${gates.EnableSortSidecarContainerByName}]
                                    Kruise's: inject sidecar containers sorted by name, not in
                                    SidecarSet order
    SidecarSetPatchPodMetadataDefaultsAllowed  [${gates.SidecarSetPatchPodMetadataDefaultsAllowed}]
                                    Kruise's: allow patchPodMetadata without a whitelist
    SidecarSetServiceAccountInjection          [${gates.SidecarSetServiceAccountInjection}]
                                    this function's: the SidecarSet fields spec.serviceAccountName
                                    and spec.errorWhenServiceAccountInjectionConflict
  injectionTimestamp                RFC 3339 UTC time written into Kruise's hash annotations as
                                    updateTimestamp (Kruise writes the admission time)
                                    [1970-01-01T00:00:00Z, or the one already on the template]
  partialRevision                   ${choices(PARTIAL_REVISION_POLICIES, DEFAULT_OPTIONS.partialRevision)}
                                    revision to inject where a SidecarSet's partial revision
                                    policy has Kruise pick one at random per pod
  normalizeMergePatchOnFirstWrite   write MergePatchJson annotations as Kruise does on a second
                                    admission, so that re-rendering changes nothing [${DEFAULT_OPTIONS.normalizeMergePatchOnFirstWrite}]
  stripPreviousInjection            before injecting, remove what an earlier run of this step
                                    injected for SidecarSets that no longer apply or changed, and
                                    give back what it overwrote (recorded per step in
                                    ${INJECTIONS_ANNOTATION}) [${DEFAULT_OPTIONS.stripPreviousInjection}]
  step                              this injection step's identity: other steps' injections are
                                    never stripped [SidecarSet/<name>, List/<name>,
                                    InjectSidecarSets/<name>, or items; also the annotation
                                    inject-sidecarsets.kpt.dev/step on a SidecarSet or List config]
  patchMetadataWhitelist            Kruise's patchPodMetadata whitelist: each patchPodMetadata
                                    key must match an allowed regex of a rule whose selector
                                    matches the SidecarSet's labels [off]
                                    {rules: [{selector?, allowedAnnotationKeyExprs: [regex]}]}
  serviceAccountsManagedElsewhere   ServiceAccounts that exist but are not among the items, as
                                    namespace/name: ["namespace/name", ...]
  missingServiceAccount             ${choices(MISSING_SERVICE_ACCOUNT_SEVERITIES, DEFAULT_OPTIONS.missingServiceAccount)}
                                    severity of a ServiceAccount named by a SidecarSet but found
                                    nowhere
  failOn                            ${choices(FAIL_ON_SEVERITIES, DEFAULT_OPTIONS.failOn)}
                                    lowest result severity that fails the run with exit code 1.
                                    Set it to warning where only a failed run's messages are
                                    shown, as with kustomize's legacy exec plugin

ConfigMap keys: ${CONFIGMAP_KEYS.join(', ')}

SidecarSet fields beyond Kruise's (both API versions; gate SidecarSetServiceAccountInjection):
  spec.serviceAccountName           the ServiceAccount matching pods get when theirs is unset or
                                    default; a different one on the template is a conflict
  spec.errorWhenServiceAccountInjectionConflict
                                    conflicts involving this SidecarSet are errors [false: warnings]

Annotations:
  ${TOKEN_SCOPE_ANNOTATION}
      on a SidecarSet: Pod | Sidecars [Pod]; Sidecars gives the injected ServiceAccount's token
      to the SidecarSet's containers only (automountServiceAccountToken: false for the pod)
  ${PLACEMENT_ANNOTATION}
      on a SidecarSet: JSON {container: first | last | before:<name> | after:<name>}
  ${INJECT_ANNOTATION}
      on a pod template, workload or Namespace: "false" turns injection off
  ${SKIP_ANNOTATION}
      on a pod template, workload or Namespace: comma-separated SidecarSet names not to inject
  ${STEP_ANNOTATION}
      on a SidecarSet or List config: the step identity (option step)
  ${INJECTIONS_ANNOTATION}
      written by the function on injected pod templates: what each step injected

For generators of ${CONFIG_KIND} configs (the Argo CD plugin's generate step):
  inject-sidecarsets --spec-from-strings < settings.json
      reads [{"name": ..., "value": ...}] (names are the ConfigMap keys, in any case, with or
      without _ and -) and writes {"spec": {...}, "problems": [{"index": ..., "message": ...}]}

Command-line mode:
  --config FILE      SidecarSets (or an ${CONFIG_KIND} config) to apply
  --diff             print a unified diff per resource that would change (colour on a terminal)
  --check            as --diff, and exit 1 when anything would change or on an error result;
                     the last line says which ("3 resources would change")
  --explain [KIND/NAME|NAME]
                     for each pod template (or the one named), every SidecarSet: injected or
                     not, and why; the argument is a path when no other path follows
  --uninject[=STEP]  remove what this function injected (one step's only with =STEP)
  PATH...            manifest files or directories (*.yaml, *.yml, *.json); - for stdin
`;
