#!/usr/bin/env bash
# `generate` step of the inject-sidecarsets Argo CD Config Management Plugin (see plugin.yaml).
# Runs in the application directory and prints its manifests, with the SidecarSets applied, on stdout.
#
#   kustomization.yaml present:  kustomize with the legacy SidecarSet plugin; list SidecarSet files
#                                under `transformers:`. Standalone `kustomize` when on PATH, else
#                                `kubectl kustomize`. Plugin home: $KUSTOMIZE_PLUGIN_HOME, else
#                                ../kustomize-plugin next to this script (symlinks resolved).
#   otherwise:                   every *.yaml, *.yml and *.json file of the directory is a manifest
#                                (of its subdirectories too with the option recurse=true, as Argo CD's
#                                directory.recurse; else a warning lists the files left out), and
#                                sidecarsets.yaml holds the SidecarSet documents (configuration, not
#                                output). Options come from the Application: plugin env
#                                (ARGOCD_ENV_<OPTION>) and parameters (PARAM_<OPTION>, which win), with
#                                ARGOCD_APP_NAMESPACE as defaultNamespace. The options are the function's
#                                ConfigMap keys (`inject-sidecarsets --help`), matched ignoring case and
#                                underscores: ARGOCD_ENV_DEFAULT_NAMESPACE and PARAM_DEFAULTNAMESPACE both
#                                set defaultNamespace. Feature gates go by their own names or as the map
#                                parameter featureGates; serviceAccountsManagedElsewhere takes a
#                                comma-separated string or an array. An unknown one is an error.
#
#   inject-sidecarsets-generate --discover   prints why the app is one for this plugin, or nothing
#
# The function is $INJECT_SIDECARSETS_BIN (an executable, or a .js or .mjs bundle run with node), else
# `inject-sidecarsets` on PATH. Results and errors go to stderr and name the app's own files and the
# settings' variables. On any error the exit status is non-zero and stdout stays empty: Argo CD must
# never see half a set of manifests.
set -euo pipefail

rules_file=sidecarsets.yaml

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

# The parts that read YAML-ish text or the environment, in node (the sidecar has node, no YAML library).
helper() {
  node --input-type=module - "$@" <<'EOF'
import { existsSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, relative } from 'node:path';

const [mode, ...args] = process.argv.slice(2);
const say = (line) => process.stderr.write(`inject-sidecarsets generate: ${line}\n`);
const squash = (name) => name.replace(/[_-]/g, '').toUpperCase();
const KUSTOMIZATIONS = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const MANIFEST = new Set(['.yaml', '.yml', '.json']);

/**
 * The Application's settings, in the order they apply: the destination namespace, the plugin env,
 * then the parameters (which win). Argo CD passes a map parameter as PARAM_<NAME>_<KEY> and an
 * array as PARAM_<NAME>_<INDEX>: featureGates entries are the gates themselves, and the entries of
 * serviceAccountsManagedElsewhere are joined into its comma-separated form.
 */
function settings() {
  const found = [];
  if (process.env.ARGOCD_APP_NAMESPACE) found.push({ variable: 'ARGOCD_APP_NAMESPACE', name: 'defaultNamespace', value: process.env.ARGOCD_APP_NAMESPACE });
  for (const prefix of ['ARGOCD_ENV_', 'PARAM_']) {
    const arrays = new Map();
    for (const variable of Object.keys(process.env).filter((v) => v.startsWith(prefix)).sort()) {
      const value = process.env[variable];
      const name = variable.slice(prefix.length).replace(/^FEATURE_?GATES_/i, '');
      const element = /^(SERVICE_?ACCOUNTS_?MANAGED_?ELSEWHERE)_(\d+)$/i.exec(name);
      if (!element) {
        found.push({ variable, name, value });
        continue;
      }
      if (!arrays.has(element[1])) {
        const setting = { variable: `${prefix}${element[1]}_<n>`, name: element[1], value: '', elements: [] };
        arrays.set(element[1], setting);
        found.push(setting);
      }
      arrays.get(element[1]).elements[Number(element[2])] = value;
    }
    for (const setting of arrays.values()) {
      setting.value = setting.elements.filter((v) => v !== undefined).join(',');
      delete setting.elements;
    }
  }
  return found;
}

/** Splits the settings into the function's options and the generate step's own (recurse). */
function options() {
  const all = settings();
  const own = all.filter((s) => squash(s.name) === 'RECURSE');
  const problems = own.filter((s) => s.value !== 'true' && s.value !== 'false').map((s) => `${s.variable}=${JSON.stringify(s.value)}: must be true or false`);
  return { forFunction: all.filter((s) => !own.includes(s)), recurse: own.at(-1)?.value === 'true', problems };
}

/** Top-level entries of a kustomization listed under `key`, block or flow style (no YAML library here). */
function listed(text, key) {
  const lines = text.split('\n');
  const unquote = (s) => s.trim().replace(/\s+#.*$/, '').replace(/^(['"])(.*)\1$/, '$2');
  for (let i = 0; i < lines.length; i++) {
    const m = new RegExp(`^${key}:\\s*(.*?)\\s*(#.*)?$`).exec(lines[i]);
    if (!m) continue;
    if (m[1].startsWith('[')) return m[1].replace(/^\[|\]$/g, '').split(',').map(unquote).filter(Boolean);
    const entries = [];
    for (let j = i + 1; j < lines.length; j++) {
      if (/^\s*(#.*)?$/.test(lines[j])) continue;
      const item = /^\s*-\s+(.*)$/.exec(lines[j]);
      if (!item) break;
      entries.push(unquote(item[1]));
    }
    return entries;
  }
  return [];
}

const kustomizationIn = (dir) => KUSTOMIZATIONS.map((name) => join(dir, name)).find((path) => existsSync(path));
const holdsSidecarSet = (path) => /^\s*kind:\s*["']?SidecarSet["']?\s*$/m.test(readFileSync(path, 'utf8'));
const isLocal = (entry) => !/^[a-z]+:\/\/|^git@|^github\.com\//.test(entry);

/**
 * The SidecarSet transformer files of a kustomize app: listed under `transformers:` of its
 * kustomization or of a base or component it builds on (resources, bases, components), or in a
 * directory of transformer configs listed there. Remote bases are not read.
 */
function sidecarSetTransformers(dir, seen = new Set()) {
  const kustomization = kustomizationIn(dir);
  if (!kustomization || seen.has(realpathSync(dir))) return [];
  seen.add(realpathSync(dir));
  const text = readFileSync(kustomization, 'utf8');
  const found = [];
  const files = (entry) => {
    const path = join(dir, entry);
    if (!existsSync(path)) return [];
    if (!statSync(path).isDirectory()) return [path];
    const inner = kustomizationIn(path);
    return inner ? listed(readFileSync(inner, 'utf8'), 'resources').filter(isLocal).flatMap((e) => files(join(relative(dir, path), e))) : [];
  };
  for (const entry of listed(text, 'transformers').filter(isLocal)) found.push(...files(entry).filter(holdsSidecarSet));
  for (const key of ['resources', 'bases', 'components']) {
    for (const entry of listed(text, key).filter(isLocal)) {
      const path = join(dir, entry);
      if (existsSync(path) && statSync(path).isDirectory()) found.push(...sidecarSetTransformers(path, seen));
    }
  }
  return found;
}

/** Manifest files, sorted, hidden entries skipped; `deep`: of subdirectories too. */
function manifests(dir, deep) {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => !e.name.startsWith('.'))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => {
      const path = dir === '.' ? e.name : join(dir, e.name);
      if (e.isDirectory()) return deep ? manifests(path, true) : [];
      return MANIFEST.has(extname(e.name)) ? [path] : [];
    });
}

if (mode === 'discover') {
  if (existsSync(args[0])) console.log(args[0]);
  else for (const path of sidecarSetTransformers('.')) console.log(relative('.', path));
} else if (mode === 'check-kustomize-settings') {
  // A kustomize app's options live in its transformer files: a setting here would be ignored.
  const given = settings().filter((s) => s.variable !== 'ARGOCD_APP_NAMESPACE');
  for (const s of given) say(`${s.variable}: the plugin's options apply to plain apps (${args[0]}); a kustomize app sets them in its transformer files (an InjectSidecarSets transformer)`);
  if (given.length > 0) process.exit(1);
} else if (mode === 'settings') {
  // Writes the settings for `inject-sidecarsets --spec-from-strings` and the variables they came from.
  const { forFunction, recurse, problems } = options();
  for (const p of problems) say(p);
  if (problems.length > 0) process.exit(1);
  writeFileSync(args[0], JSON.stringify(forFunction.map(({ name, value }) => ({ name, value }))));
  writeFileSync(args[1], JSON.stringify({ variables: forFunction, recurse }));
} else if (mode === 'config') {
  const [rulesFile, specFile, variablesFile, configFile, listFile] = args;
  const { spec, problems } = JSON.parse(readFileSync(specFile, 'utf8'));
  const { variables, recurse } = JSON.parse(readFileSync(variablesFile, 'utf8'));
  for (const p of problems) {
    const s = variables[p.index];
    say(s ? `${s.variable}=${JSON.stringify(s.value)}: ${p.message}` : p.message);
  }
  if (problems.some((p) => p.message.startsWith('unknown option'))) {
    say('also known: recurse (this plugin: read subdirectories too). Names match ignoring case and underscores, as ARGOCD_ENV_<NAME> or PARAM_<NAME>');
  }
  if (problems.length > 0) process.exit(1);

  const files = manifests('.', recurse).filter((f) => f !== rulesFile);
  if (files.length === 0) {
    say(`no manifests (*.yaml, *.yml, *.json) besides ${rulesFile} in this app${recurse ? ' and its subdirectories' : ''}`);
    process.exit(1);
  }
  if (!recurse) {
    const left = manifests('.', true).filter((f) => dirname(f) !== '.');
    if (left.length > 0) {
      say(`warning: subdirectories are not read, so ${left.length} file(s) are left out: ${left.join(', ')}. Set the plugin env RECURSE=true or the parameter recurse=true to read them`);
    }
  }

  // The documents of the rules file, re-indented as items of spec.sidecarSets so that their text is
  // kept as written; the config's path annotation makes the function's results name the rules file.
  const documents = readFileSync(rulesFile, 'utf8')
    .split(/^(?:---|\.\.\.)[ \t]*(?:#.*)?$/m)
    .filter((doc) => doc.split('\n').some((line) => line.trim() !== '' && !line.trim().startsWith('#')));
  if (documents.length === 0) {
    say(`${rulesFile} holds no SidecarSet`);
    process.exit(1);
  }
  const lines = [
    'apiVersion: fn.kpt.dev/v1alpha1', 'kind: InjectSidecarSets', 'metadata:', '  name: argocd-cmp',
    '  annotations:', `    config.kubernetes.io/path: ${JSON.stringify(rulesFile)}`, 'spec:',
  ];
  for (const [option, value] of Object.entries(spec)) lines.push(`  ${option}: ${JSON.stringify(value)}`);
  lines.push('  sidecarSets:');
  for (const doc of documents) {
    const body = doc.replace(/^\s*\n/, '').replace(/\s+$/, '').split('\n');
    lines.push(`    - ${body[0]}`, ...body.slice(1).map((line) => (line === '' ? '' : `      ${line}`)));
  }
  writeFileSync(configFile, `${lines.join('\n')}\n`);
  // `./`: a file named like an option (-x.yaml) stays a file; the function prints paths without it.
  writeFileSync(listFile, files.map((f) => `./${f}\0`).join(''));
} else if (mode === 'manifests-only') {
  // Kptfiles and local-config objects are for the tools, not for the cluster (the kustomize branch
  // gets this from kustomize). Matching on top-level `kind:` and the annotation line is enough for
  // the block YAML the function prints.
  const isToolConfig = (doc) =>
    /^kind:[ \t]*["']?Kptfile["']?[ \t]*$/m.test(doc) ||
    /^[ \t]+config\.kubernetes\.io\/local-config:[ \t]*["']?true["']?[ \t]*(#.*)?$/m.test(doc);
  const kept = readFileSync(args[0], 'utf8')
    .split(/^---[ \t]*$/m)
    .filter((doc) => doc.trim() !== '' && !isToolConfig(doc));
  process.stdout.write(kept.map((doc) => `${doc.replace(/^\n+/, '').replace(/\s+$/, '')}\n`).join('---\n'));
} else {
  say(`unknown helper mode ${mode}`);
  process.exit(2);
}
EOF
}

if [ "${1:-}" = --discover ]; then
  helper discover "$rules_file"
  exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/inject-sidecarsets-generate.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Messages name the app's files: Argo CD's copy of the repository, and kustomize's copy of each plugin
# config, live under temporary paths that mean nothing to the user. Paths in the app become relative
# to it, others relative to the repository (ARGOCD_APP_SOURCE_PATH is the app's path in it).
repo_root=
case ${ARGOCD_APP_SOURCE_PATH:-} in
  '' | . | ./) ;;
  *) [[ $PWD == */"${ARGOCD_APP_SOURCE_PATH%/}" ]] && repo_root=${PWD%/"${ARGOCD_APP_SOURCE_PATH%/}"} ;;
esac
relative_paths() {
  local line
  while IFS= read -r line; do
    line=${line//"$PWD/"/}
    [ -z "$repo_root" ] || line=${line//"$repo_root/"/}
    printf '%s\n' "$line"
  done | sed -E 's#[^ ;:]*/kust-plugin-config-[0-9]+#a SidecarSet transformer#g' >&2
}

kustomization=
for name in kustomization.yaml kustomization.yml Kustomization; do
  if [ -f "$name" ]; then
    kustomization=$name
    break
  fi
done

if [ -n "$kustomization" ]; then
  helper check-kustomize-settings "$rules_file"
  if [ -z "${KUSTOMIZE_PLUGIN_HOME:-}" ]; then
    KUSTOMIZE_PLUGIN_HOME=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../kustomize-plugin" && pwd) ||
      fail "no KUSTOMIZE_PLUGIN_HOME and no kustomize-plugin directory next to this script"
  fi
  export KUSTOMIZE_PLUGIN_HOME
  status=0
  if command -v kustomize >/dev/null; then
    kustomize build --enable-alpha-plugins . > "$work/out.yaml" 2> "$work/err" || status=$?
  else
    kubectl kustomize --enable-alpha-plugins . > "$work/out.yaml" 2> "$work/err" || status=$?
  fi
  relative_paths < "$work/err"
  [ "$status" = 0 ] || exit "$status"
  cat "$work/out.yaml"
  exit 0
fi

[ -f "$rules_file" ] || fail "this app has neither a kustomization.yaml nor a $rules_file"

helper settings "$work/settings.json" "$work/variables.json"
run_function --spec-from-strings < "$work/settings.json" > "$work/spec.json"
helper config "$rules_file" "$work/spec.json" "$work/variables.json" "$work/config.yaml" "$work/manifests"

mapfile -d '' manifests < "$work/manifests"
status=0
run_function --config "$work/config.yaml" "${manifests[@]}" > "$work/out.yaml" 2> "$work/err" || status=$?
relative_paths < "$work/err"
[ "$status" = 0 ] || exit "$status"
helper manifests-only "$work/out.yaml"
