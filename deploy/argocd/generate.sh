#!/usr/bin/env bash
# `generate` step of the inject-sidecarsets Argo CD Config Management Plugin (see plugin.yaml).
# Runs in the application directory and prints its manifests, with the SidecarSets applied, on stdout.
#
#   kustomization.yaml present:  kustomize with the legacy SidecarSet plugin; list SidecarSet files
#                                under `transformers:`. Standalone `kustomize` when on PATH, else
#                                `kubectl kustomize`. Plugin home: $KUSTOMIZE_PLUGIN_HOME, else
#                                ../kustomize-plugin next to this script (symlinks resolved).
#   otherwise:                   every *.yaml, *.yml and *.json file of the directory (not recursive)
#                                is a manifest, and sidecarsets.yaml holds the SidecarSet documents
#                                (it is configuration, not output). Options come from the Application:
#                                plugin env (ARGOCD_ENV_<OPTION>) and parameters (PARAM_<OPTION>, which
#                                win), with ARGOCD_APP_NAMESPACE as defaultNamespace. Option names match
#                                ignoring case and underscores: ARGOCD_ENV_DEFAULT_NAMESPACE and
#                                PARAM_DEFAULTNAMESPACE both set defaultNamespace. Feature gates go by
#                                their own names or as the map parameter featureGates;
#                                serviceAccountsManagedElsewhere takes a comma-separated string or an array.
#
# The function is $INJECT_SIDECARSETS_BIN (an executable, or a .js or .mjs bundle run with node), else
# `inject-sidecarsets` on PATH. Results and errors go to stderr. On any error the exit status is
# non-zero and stdout stays empty: Argo CD must never see half a set of manifests.
set -euo pipefail

rules_file=sidecarsets.yaml

work=$(mktemp -d "${TMPDIR:-/tmp}/inject-sidecarsets-generate.XXXXXX")
trap 'rm -rf "$work"' EXIT

fail() {
  echo "inject-sidecarsets generate: $*" >&2
  exit 1
}

run_function() {
  local bin=${INJECT_SIDECARSETS_BIN:-inject-sidecarsets}
  case $bin in
    *.js | *.mjs) node "$bin" "$@" ;;
    *) "$bin" "$@" ;;
  esac
}

kustomization=
for name in kustomization.yaml kustomization.yml Kustomization; do
  if [ -f "$name" ]; then
    kustomization=$name
    break
  fi
done

if [ -n "$kustomization" ]; then
  if [ -z "${KUSTOMIZE_PLUGIN_HOME:-}" ]; then
    KUSTOMIZE_PLUGIN_HOME=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../kustomize-plugin" && pwd) ||
      fail "no KUSTOMIZE_PLUGIN_HOME and no kustomize-plugin directory next to this script"
  fi
  export KUSTOMIZE_PLUGIN_HOME
  if command -v kustomize >/dev/null; then
    kustomize build --enable-alpha-plugins . > "$work/out.yaml"
  else
    kubectl kustomize --enable-alpha-plugins . > "$work/out.yaml"
  fi
  cat "$work/out.yaml"
  exit 0
fi

[ -f "$rules_file" ] || fail "$PWD has neither a kustomization.yaml nor a $rules_file"

manifests=()
shopt -s nullglob
for file in *.yaml *.yml *.json; do
  [ "$file" = "$rules_file" ] || manifests+=("$file")
done
[ ${#manifests[@]} -gt 0 ] || fail "no manifests (*.yaml, *.yml, *.json) besides $rules_file in $PWD"

# Builds the InjectSidecarSets config: options as JSON scalars (valid YAML), then the documents of
# the rules file re-indented as items of spec.sidecarSets, so their text is kept as written.
node --input-type=module - "$rules_file" > "$work/config.yaml" <<'EOF'
import { readFileSync } from 'node:fs';

const squash = (name) => name.replace(/_/g, '').toUpperCase();
const scalarOptions = {
  defaultNamespace: 'string',
  undecidableNamespaceSelector: 'string',
  partialRevision: 'string',
  missingServiceAccount: 'string',
  injectionTimestamp: 'string',
  sidecarSetsFromItems: 'boolean',
  normalizeMergePatchOnFirstWrite: 'boolean',
};
const featureGates = [
  'EnableSortSidecarContainerByName',
  'SidecarSetPatchPodMetadataDefaultsAllowed',
  'SidecarSetServiceAccountInjection',
];
const listOption = 'serviceAccountsManagedElsewhere';

const spec = {};
const gates = {};
const listParts = [];
const problems = [];
if (process.env.ARGOCD_APP_NAMESPACE) spec.defaultNamespace = process.env.ARGOCD_APP_NAMESPACE;

const setScalar = (variable, option, value) => {
  if (scalarOptions[option] === 'string') return void (spec[option] = value);
  if (value === 'true' || value === 'false') return void (spec[option] = value === 'true');
  problems.push(`${variable}=${JSON.stringify(value)}: must be true or false`);
};
const setGate = (variable, gate, value) => {
  if (value === 'true' || value === 'false') return void (gates[gate] = value === 'true');
  problems.push(`${variable}=${JSON.stringify(value)}: must be true or false`);
};

// Plugin env first, parameters second, so that parameters win.
for (const prefix of ['ARGOCD_ENV_', 'PARAM_']) {
  const variables = Object.keys(process.env).filter((v) => v.startsWith(prefix)).sort();
  for (const variable of variables) {
    const value = process.env[variable];
    const key = squash(variable.slice(prefix.length));
    const scalar = Object.keys(scalarOptions).find((o) => squash(o) === key);
    const gate = featureGates.find((g) => squash(g) === key || `FEATUREGATES${squash(g)}` === key);
    if (scalar) setScalar(variable, scalar, value);
    else if (gate) setGate(variable, gate, value);
    else if (key === squash(listOption)) listParts.push(...value.split(','));
    else if (new RegExp(`^${squash(listOption)}\\d+$`).test(key)) listParts.push(value);
  }
}
if (listParts.length > 0) spec[listOption] = listParts.map((s) => s.trim()).filter(Boolean);
if (Object.keys(gates).length > 0) spec.featureGates = gates;
if (problems.length > 0) {
  for (const p of problems) process.stderr.write(`inject-sidecarsets generate: ${p}\n`);
  process.exit(1);
}

const rulesFile = process.argv[2];
const documents = readFileSync(rulesFile, 'utf8')
  .split(/^(?:---|\.\.\.)[ \t]*(?:#.*)?$/m)
  .filter((doc) => doc.split('\n').some((line) => line.trim() !== '' && !line.trim().startsWith('#')));
if (documents.length === 0) {
  process.stderr.write(`inject-sidecarsets generate: ${rulesFile} holds no SidecarSet\n`);
  process.exit(1);
}
const lines = ['apiVersion: fn.kpt.dev/v1alpha1', 'kind: InjectSidecarSets', 'metadata:', '  name: argocd-cmp', 'spec:'];
for (const [option, value] of Object.entries(spec)) lines.push(`  ${option}: ${JSON.stringify(value)}`);
lines.push('  sidecarSets:');
for (const doc of documents) {
  const body = doc.replace(/^\s*\n/, '').replace(/\s+$/, '').split('\n');
  lines.push(`    - ${body[0]}`, ...body.slice(1).map((line) => (line === '' ? '' : `      ${line}`)));
}
process.stdout.write(`${lines.join('\n')}\n`);
EOF

run_function --config "$work/config.yaml" "${manifests[@]}" > "$work/out.yaml"

# Kptfiles and local-config objects are for the tools, not for the cluster (the kustomize branch
# gets this from kustomize). Matching on top-level `kind:` and the annotation line is enough for
# the block YAML the function prints.
node --input-type=module - "$work/out.yaml" <<'EOF'
import { readFileSync } from 'node:fs';

const isToolConfig = (doc) =>
  /^kind:[ \t]*["']?Kptfile["']?[ \t]*$/m.test(doc) ||
  /^[ \t]+config\.kubernetes\.io\/local-config:[ \t]*["']?true["']?[ \t]*(#.*)?$/m.test(doc);
const kept = readFileSync(process.argv[2], 'utf8')
  .split(/^---[ \t]*$/m)
  .filter((doc) => doc.trim() !== '' && !isToolConfig(doc));
process.stdout.write(kept.map((doc) => `${doc.replace(/^\n+/, '').replace(/\s+$/, '')}\n`).join('---\n'));
EOF
