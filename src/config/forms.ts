// functionConfig in any of its forms → rule sources and options.
import {
  DEFAULT_OPTIONS,
  MISSING_SERVICE_ACCOUNT_SEVERITIES,
  FAIL_ON_SEVERITIES,
  MODES,
  PARTIAL_REVISION_POLICIES,
  UNDECIDABLE_NAMESPACE_POLICIES,
  type Options,
} from './options.js';
import { schemaErrors } from './validators.js';
import { result, type Result, type Subject, type FileRef } from '../krm/results.js';
import { subjectOf, pointerToPath } from '../krm/annotations.js';
import { deepClone, isPlainObject } from '../util/json.js';
import { withoutNulls } from '../util/nulls.js';

export const CONFIG_API_VERSION = 'fn.kpt.dev/v1alpha1';
export const CONFIG_KIND = 'InjectSidecarSets';

/** A SidecarSet as found in the input, not yet validated. */
export interface RuleSource {
  object: unknown;
  subject: Subject;
  from: 'functionConfig' | 'items';
}

export interface Configuration {
  options: Options;
  rules: RuleSource[];
  results: Result[];
  /** The injection step's identity: what an earlier run of this step injected is its own to strip (inject/ownership.ts). */
  step: string;
}

/** Sets a step's identity on a functionConfig that has no options (a SidecarSet, a List). */
export const STEP_ANNOTATION = 'inject-sidecarsets.kpt.dev/step';

/**
 * One step per functionConfig: a SidecarSet file is its own step (one transformer, one kpt
 * mutator), a List or an InjectSidecarSets config is one by its name, and every config that takes
 * the SidecarSets among the items is the step `items`. An explicit `step` option or annotation wins.
 */
export function stepIdentity(functionConfig: unknown, options: Options): string {
  if (options.step) return options.step;
  if (!isPlainObject(functionConfig)) return 'items';
  const metadata = isPlainObject(functionConfig.metadata) ? functionConfig.metadata : {};
  const annotations = isPlainObject(metadata.annotations) ? metadata.annotations : {};
  if (typeof annotations[STEP_ANNOTATION] === 'string' && annotations[STEP_ANNOTATION] !== '') return annotations[STEP_ANNOTATION];
  const name = typeof metadata.name === 'string' && metadata.name !== '' ? `/${metadata.name}` : '';
  const { kind } = functionConfig;
  if (kind === 'SidecarSet' || kind === 'List' || kind === 'SidecarSetList' || kind === CONFIG_KIND) return `${String(kind)}${name}`;
  return 'items';
}

function isSidecarSet(obj: unknown): boolean {
  return (
    isPlainObject(obj) && obj.kind === 'SidecarSet' && typeof obj.apiVersion === 'string' && obj.apiVersion.startsWith('apps.kruise.io/')
  );
}

/**
 * A SidecarSet as the apiserver stores it: its null fields pruned (util/nulls.ts), except the
 * entries of metadata's labels and annotations, which Go decodes into ObjectMeta's maps as "".
 */
function storedSidecarSet(object: unknown): unknown {
  return withoutNulls(object, (path) => path.length === 2 && path[0] === 'metadata');
}

/**
 * @param configFile where the functionConfig came from when the caller knows it (command-line
 *        mode, kustomize legacy plugin); results about SidecarSets in it point there.
 */
export function readConfiguration(
  functionConfig: unknown,
  hasFunctionConfig: boolean,
  items: readonly unknown[],
  configFile?: FileRef,
  itemFiles?: readonly (FileRef | undefined)[],
): Configuration {
  const form = readForm(functionConfig, hasFunctionConfig, items, configFile, itemFiles);
  return { ...form, step: stepIdentity(hasFunctionConfig ? functionConfig : undefined, form.options) };
}

/** What every form reads its rules with: the config's subject, its results, the two rule sources. */
interface FormContext {
  configSubject: Subject;
  results: Result[];
  /** The SidecarSets among the items. */
  fromItems: () => RuleSource[];
  /** SidecarSets the config holds. */
  fromConfig: (objects: unknown[]) => RuleSource[];
}

type FormReading = Omit<Configuration, 'step'>;

function readForm(
  functionConfig: unknown,
  hasFunctionConfig: boolean,
  items: readonly unknown[],
  configFile?: FileRef,
  itemFiles?: readonly (FileRef | undefined)[],
): FormReading {
  const configSubject = subjectOf(functionConfig, configFile);
  const context: FormContext = {
    configSubject,
    results: [],
    fromItems: () =>
      items.flatMap((object, i) =>
        isSidecarSet(object)
          ? [{ object: storedSidecarSet(object), subject: subjectOf(object, itemFiles?.[i]), from: 'items' as const }]
          : [],
      ),
    // The SidecarSets in a config come from the config's file, which the config's own path
    // annotation names when a generator wrote it (deploy/argocd/generate.sh) or kpt read it.
    fromConfig: (objects) =>
      objects.map((object) => ({
        object: storedSidecarSet(object),
        subject: subjectOf(object, configSubject.file),
        from: 'functionConfig' as const,
      })),
  };
  const { results } = context;
  if (!hasFunctionConfig || functionConfig === null || functionConfig === undefined) {
    return itemsAreRules(DEFAULT_OPTIONS, 'no functionConfig', context);
  }
  if (!isPlainObject(functionConfig)) {
    results.push(result('error', 'functionConfig is not an object', configSubject));
    return { options: DEFAULT_OPTIONS, rules: [], results };
  }
  const { apiVersion, kind } = functionConfig;
  if (isSidecarSet(functionConfig)) return { options: DEFAULT_OPTIONS, rules: context.fromConfig([functionConfig]), results };
  if ((kind === 'List' && apiVersion === 'v1') || kind === 'SidecarSetList') return readListForm(functionConfig, String(kind), context);
  if (kind === 'ConfigMap' && apiVersion === 'v1') {
    const options = optionsFromConfigMap(functionConfig.data, configSubject, results);
    const filled = isPlainObject(functionConfig.data) && Object.keys(functionConfig.data).length > 0;
    return itemsAreRules(options, filled ? 'ConfigMap functionConfig' : 'empty ConfigMap functionConfig', context);
  }
  if (kind === CONFIG_KIND) return readConfigForm(functionConfig, context);
  results.push(
    result(
      'error',
      `functionConfig of unknown kind ${String(apiVersion)}/${String(kind)}: expected a SidecarSet, a List or ` +
        `SidecarSetList of SidecarSets, ${CONFIG_API_VERSION} ${CONFIG_KIND}, or a ConfigMap`,
      configSubject,
    ),
  );
  return { options: DEFAULT_OPTIONS, rules: [], results };
}

function itemsAreRules(options: Options, why: string, { fromItems, results, configSubject }: FormContext): FormReading {
  const rules = fromItems();
  results.push(result('info', `${why}: the ${rules.length} SidecarSet(s) among the items are the rules`, configSubject));
  return { options, rules, results };
}

/** A `v1 List` or a `SidecarSetList` of SidecarSets. */
function readListForm(
  functionConfig: Record<string, unknown>,
  kind: string,
  { configSubject, results, fromConfig }: FormContext,
): FormReading {
  const list = functionConfig.items;
  if (!Array.isArray(list)) {
    results.push(result('error', `functionConfig ${kind} has no items list`, configSubject, { field: 'items' }));
    return { options: DEFAULT_OPTIONS, rules: [], results };
  }
  list.forEach((obj, i) => {
    if (!isSidecarSet(obj)) {
      results.push(
        result('error', `functionConfig ${kind} item ${i} is not an apps.kruise.io SidecarSet`, configSubject, { field: `items[${i}]` }),
      );
    }
  });
  return { options: DEFAULT_OPTIONS, rules: fromConfig(list.filter(isSidecarSet)), results };
}

/** The function's own config kind: options, and SidecarSets embedded or taken from the items. */
function readConfigForm(functionConfig: Record<string, unknown>, context: FormContext): FormReading {
  const { configSubject, results } = context;
  const spec = isPlainObject(functionConfig.spec) ? functionConfig.spec : {};
  // The schema checks the embedded SidecarSets as the apiserver would store them.
  const sets = Array.isArray(spec.sidecarSets) ? spec.sidecarSets.map(storedSidecarSet) : [];
  // An embedded SidecarSet's own errors are reported on it, by name, when its rule is prepared
  // (sidecarset/rules.ts), like those of a SidecarSet config; the config's are reported here.
  const ownErrorOf = (pointer: string) => /^\/spec\/sidecarSets\/(\d+)\//.exec(pointer);
  const errors = schemaErrors(
    'config',
    Array.isArray(spec.sidecarSets) ? { ...functionConfig, spec: { ...spec, sidecarSets: sets } } : functionConfig,
  ).filter((e) => !isPlainObject(sets[Number(ownErrorOf(e.pointer)?.[1] ?? -1)]));
  for (const e of errors) {
    const path = pointerToPath(e.pointer);
    results.push(
      result('error', `invalid ${CONFIG_KIND} config: ${path || '(root)'} (${e.pointer || '/'}): ${e.message}`, configSubject, {
        field: path,
      }),
    );
  }
  if (errors.length > 0) return { options: DEFAULT_OPTIONS, rules: [], results };
  const options = mergeOptions(spec);
  if (sets.length === 0) return itemsAreRules({ ...options, sidecarSetsFromItems: true }, `${CONFIG_KIND} without sidecarSets`, context);
  const rules = context.fromConfig(sets);
  if (options.sidecarSetsFromItems) rules.push(...context.fromItems());
  return { options, rules, results };
}

function mergeOptions(spec: Record<string, unknown>): Options {
  const picked = deepClone(spec);
  delete picked.sidecarSets;
  const gates = isPlainObject(picked.featureGates) ? picked.featureGates : {};
  return {
    ...DEFAULT_OPTIONS,
    ...(picked as Partial<Options>),
    featureGates: { ...DEFAULT_OPTIONS.featureGates, ...(gates as Partial<Options['featureGates']>) },
  };
}

type StringOption = (value: string, options: Options) => string | undefined;

const enumOption =
  <K extends keyof Options>(key: K, allowed: readonly string[]): StringOption =>
  (value, options) => {
    if (!allowed.includes(value)) return `must be one of ${allowed.join(', ')}`;
    (options as unknown as Record<string, unknown>)[key] = value;
    return undefined;
  };

const boolValue = (value: string): boolean | undefined => (value === 'true' ? true : value === 'false' ? false : undefined);

const boolOption =
  (set: (options: Options, v: boolean) => void): StringOption =>
  (value, options) => {
    const b = boolValue(value);
    if (b === undefined) return 'must be "true" or "false"';
    set(options, b);
    return undefined;
  };

/** The options that fit in a string, as `kpt fn eval -- key=value` sends them. */
const CONFIGMAP_OPTIONS: Record<string, StringOption> = {
  mode: enumOption('mode', MODES),
  uninjectStep: (v, o) => {
    if (v === '') return 'must not be empty';
    o.uninjectStep = v;
    return undefined;
  },
  defaultNamespace: (v, o) => {
    o.defaultNamespace = v;
    return undefined;
  },
  undecidableNamespaceSelector: enumOption('undecidableNamespaceSelector', UNDECIDABLE_NAMESPACE_POLICIES),
  partialRevision: enumOption('partialRevision', PARTIAL_REVISION_POLICIES),
  missingServiceAccount: enumOption('missingServiceAccount', MISSING_SERVICE_ACCOUNT_SEVERITIES),
  failOn: enumOption('failOn', FAIL_ON_SEVERITIES),
  sidecarSetsFromItems: boolOption((o, v) => (o.sidecarSetsFromItems = v)),
  normalizeMergePatchOnFirstWrite: boolOption((o, v) => (o.normalizeMergePatchOnFirstWrite = v)),
  stripPreviousInjection: boolOption((o, v) => (o.stripPreviousInjection = v)),
  step: (v, o) => {
    if (v === '') return 'must not be empty';
    o.step = v;
    return undefined;
  },
  EnableSortSidecarContainerByName: boolOption((o, v) => (o.featureGates.EnableSortSidecarContainerByName = v)),
  SidecarSetPatchPodMetadataDefaultsAllowed: boolOption((o, v) => (o.featureGates.SidecarSetPatchPodMetadataDefaultsAllowed = v)),
  SidecarSetServiceAccountInjection: boolOption((o, v) => (o.featureGates.SidecarSetServiceAccountInjection = v)),
  injectionTimestamp: (v, o) => {
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(v)) return 'must be an RFC 3339 UTC time with seconds, e.g. 2025-03-01T08:09:10Z';
    o.injectionTimestamp = v;
    return undefined;
  },
  serviceAccountsManagedElsewhere: (v, o) => {
    const list = v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = list.find((s) => !/^[^/]+\/[^/]+$/.test(s));
    if (bad) return `entry ${JSON.stringify(bad)} is not namespace/name`;
    o.serviceAccountsManagedElsewhere = list;
    return undefined;
  },
};

export const CONFIGMAP_KEYS = Object.keys(CONFIGMAP_OPTIONS);

function optionsFromConfigMap(data: unknown, subject: Subject, results: Result[]): Options {
  const options: Options = { ...deepClone(DEFAULT_OPTIONS), sidecarSetsFromItems: true };
  if (!isPlainObject(data)) return options;
  const applied: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    const apply = Object.prototype.hasOwnProperty.call(CONFIGMAP_OPTIONS, key) ? CONFIGMAP_OPTIONS[key] : undefined;
    if (!apply) {
      results.push(
        result(
          'error',
          `unknown option ${JSON.stringify(key)} in the ConfigMap functionConfig; known options: ${CONFIGMAP_KEYS.join(', ')}`,
          subject,
          { field: `data.${key}` },
        ),
      );
      continue;
    }
    const problem = apply(String(value), options);
    if (problem)
      results.push(result('error', `option ${key}=${JSON.stringify(String(value))}: ${problem}`, subject, { field: `data.${key}` }));
    else applied.push(key);
  }
  for (const { key, message } of schemaProblems(specOf(options, applied))) {
    results.push(result('error', `option ${key}=${JSON.stringify(String(data[key]))}: ${message}`, subject, { field: `data.${key}` }));
  }
  return options;
}

/** A setting named loosely: any case, with or without `_` and `-` (DEFAULT_NAMESPACE, defaultnamespace). */
export interface StringSetting {
  name: string;
  value: string;
}

const looseName = (name: string): string => name.replace(/[_-]/g, '').toLowerCase();

/**
 * Settings of the options that fit in a string (the ConfigMap keys, read and checked exactly as the
 * ConfigMap form reads them) → the `spec` fields of an InjectSidecarSets config, for generators of
 * such configs (deploy/argocd/generate.sh). A later setting of an option wins; each problem names
 * the position of its setting.
 */
export function specFromStrings(settings: readonly StringSetting[]): {
  spec: Record<string, unknown>;
  problems: { index: number; message: string }[];
} {
  const options: Options = deepClone(DEFAULT_OPTIONS);
  /** Option key → the setting that gave it its value. */
  const chosen = new Map<string, number>();
  const problems: { index: number; message: string }[] = [];
  settings.forEach(({ name, value }, index) => {
    const key = CONFIGMAP_KEYS.find((k) => looseName(k) === looseName(name));
    if (key === undefined) {
      problems.push({ index, message: `unknown option; known options: ${CONFIGMAP_KEYS.join(', ')}` });
      return;
    }
    const problem = CONFIGMAP_OPTIONS[key](value, options);
    if (problem) problems.push({ index, message: problem });
    else chosen.set(key, index);
  });
  const spec = specOf(options, chosen.keys());
  for (const { key, message } of schemaProblems(spec)) problems.push({ index: chosen.get(key) ?? -1, message });
  return { spec, problems: problems.sort((a, b) => a.index - b.index) };
}

/** The `spec` fields of an InjectSidecarSets config that set these ConfigMap keys' options. */
function specOf(options: Options, keys: Iterable<string>): Record<string, unknown> {
  const isGate = (key: string) => Object.prototype.hasOwnProperty.call(options.featureGates, key);
  const spec: Record<string, unknown> = {};
  const gates: Record<string, boolean> = {};
  for (const key of keys) {
    if (isGate(key)) gates[key] = options.featureGates[key as keyof Options['featureGates']];
    else spec[key] = options[key as keyof Options];
  }
  if (Object.keys(gates).length > 0) spec.featureGates = gates;
  return spec;
}

/**
 * What the config's schema asks beyond the string form's own checks (a namespace is a DNS label, a
 * timestamp a real time), so that a string setting means what the same field of the typed config does.
 */
function schemaProblems(spec: Record<string, unknown>): { key: string; message: string }[] {
  const config = { apiVersion: CONFIG_API_VERSION, kind: CONFIG_KIND, metadata: { name: 'settings' }, spec };
  return schemaErrors('config', config).map((e) => {
    const [, first, second] = e.pointer.split('/').slice(1);
    return { key: first === 'featureGates' ? (second ?? '') : (first ?? ''), message: e.message };
  });
}
