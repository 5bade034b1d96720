// The function's options are named in several places: config/options.ts (types and defaults), the
// typed config's schema (config.schema.json), the ConfigMap form (forms.ts, also what
// `--spec-from-strings` reads), `--help` and the Argo CD plugin's parameters (deploy/argocd/plugin.yaml).
// They must agree on names, value types, allowed values and defaults; the schema's `description` of each
// option is the one description, which `--help` and the plugin's parameter titles carry word for word.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import {
  DEFAULT_OPTIONS,
  MISSING_SERVICE_ACCOUNT_SEVERITIES,
  FAIL_ON_SEVERITIES,
  MODES,
  PARTIAL_REVISION_POLICIES,
  UNDECIDABLE_NAMESPACE_POLICIES,
  type Options,
} from '../../src/config/options.js';
import { CONFIGMAP_KEYS, CONFIG_API_VERSION, CONFIG_KIND, specFromStrings } from '../../src/config/forms.js';
import { schemaErrors } from '../../src/config/validators.js';
import { HELP } from '../../src/modes/help.js';
import { ROOT } from '../e2e/helpers.js';
import { run } from '../helpers/krm.js';

interface PropertySchema {
  description?: string;
  type?: string;
  enum?: string[];
  items?: { type?: string };
  properties?: Record<string, PropertySchema>;
}
const schema = JSON.parse(readFileSync(`${ROOT}/src/config/schema/config.schema.json`, 'utf8')) as {
  $defs: { spec: { properties: Record<string, PropertySchema> } };
};
const { sidecarSets: _rules, ...optionSchemas } = schema.$defs.spec.properties;
const gateSchemas = optionSchemas.featureGates!.properties!;
/** Each option's (and feature gate's) description: the one place it is written. */
const descriptions = new Map(Object.entries({ ...schema.$defs.spec.properties, ...gateSchemas }).map(([name, s]) => [name, s.description]));

/** The options without a default: absent means "not set". */
const UNSET_BY_DEFAULT = [
  'uninjectStep',
  'injectionTimestamp',
  'step',
  'patchMetadataWhitelist',
] as const satisfies readonly (keyof Options)[];
// A new option must be given a default or be listed above (tsc fails here otherwise).
type Unlisted = Exclude<keyof Options, keyof typeof DEFAULT_OPTIONS | (typeof UNSET_BY_DEFAULT)[number]>;
const everyOptionListed: [Unlisted] extends [never] ? true : never = true;

const ENUMS: Record<string, readonly string[]> = {
  mode: MODES,
  undecidableNamespaceSelector: UNDECIDABLE_NAMESPACE_POLICIES,
  partialRevision: PARTIAL_REVISION_POLICIES,
  missingServiceAccount: MISSING_SERVICE_ACCOUNT_SEVERITIES,
  failOn: FAIL_ON_SEVERITIES,
};

const jsonType = (value: unknown): string => (Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value);
const defaults = DEFAULT_OPTIONS as unknown as Record<string, unknown>;
const configWith = (spec: object) => ({ apiVersion: CONFIG_API_VERSION, kind: CONFIG_KIND, metadata: { name: 'options' }, spec });

describe('options.ts and config.schema.json', () => {
  it('name the same options', () => {
    expect(everyOptionListed).toBe(true);
    expect(Object.keys(optionSchemas).sort()).toEqual([...Object.keys(DEFAULT_OPTIONS), ...UNSET_BY_DEFAULT].sort());
    expect(Object.keys(gateSchemas).sort()).toEqual(Object.keys(DEFAULT_OPTIONS.featureGates).sort());
  });

  it('agree on each default: its type, and the schema accepts it', () => {
    for (const [name, value] of Object.entries(defaults)) expect([name, optionSchemas[name]!.type]).toEqual([name, jsonType(value)]);
    for (const [gate, value] of Object.entries(DEFAULT_OPTIONS.featureGates))
      expect([gate, gateSchemas[gate]!.type]).toEqual([gate, jsonType(value)]);
    expect(schemaErrors('config', configWith(DEFAULT_OPTIONS))).toEqual([]);
  });

  it('the schema describes every option and feature gate', () => {
    for (const [name, description] of descriptions) expect([name, description?.length ?? 0]).not.toEqual([name, 0]);
  });

  it('allow the same values of each enumerated option', () => {
    const enumerated = Object.entries(optionSchemas).filter(([, s]) => s.enum !== undefined);
    expect(Object.fromEntries(enumerated.map(([name, s]) => [name, s.enum]))).toEqual(ENUMS);
  });
});

/** The schema of an option the ConfigMap form sets, by its ConfigMap key (a feature gate goes by its own name). */
const schemaOfKey = (key: string): PropertySchema => optionSchemas[key] ?? gateSchemas[key]!;
const fitsInAString = (s: PropertySchema) =>
  s.type === 'string' || s.type === 'boolean' || (s.type === 'array' && s.items?.type === 'string');

describe('the ConfigMap form (and --spec-from-strings, which reads it)', () => {
  it('takes every option that fits in a string, and only those', () => {
    const expected = [
      ...Object.entries(optionSchemas)
        .filter(([, s]) => fitsInAString(s))
        .map(([name]) => name),
      ...Object.keys(gateSchemas),
    ];
    expect([...CONFIGMAP_KEYS].sort()).toEqual(expected.sort());
  });

  it('reads each key into a value of the schema type, accepting exactly the allowed values of an enumerated one', () => {
    for (const key of CONFIGMAP_KEYS) {
      const s = schemaOfKey(key);
      const valid = s.enum ?? (s.type === 'boolean' ? ['true', 'false'] : []);
      for (const value of valid) {
        const { spec, problems } = specFromStrings([{ name: key, value }]);
        expect({ key, value, problems }).toEqual({ key, value, problems: [] });
        const read = key in gateSchemas ? (spec.featureGates as Record<string, unknown>)[key] : spec[key];
        expect(String(read)).toBe(value);
        expect(jsonType(read)).toBe(s.type);
      }
      if (valid.length > 0) expect(specFromStrings([{ name: key, value: 'sometimes' }]).problems, key).toHaveLength(1);
    }
  });

  it.each([
    ['defaultNamespace', 'Shop_Floor'],
    ['injectionTimestamp', '2025-13-40T08:09:10Z'],
    ['serviceAccountsManagedElsewhere', 'shop/Log_Agent'],
  ])('rejects what the typed config rejects: %s=%s', (key, value) => {
    expect(specFromStrings([{ name: key, value }]).problems).toHaveLength(1);
    const out = run([], { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'options' }, data: { [key]: value } });
    expect(out.exitCode).toBe(1);
    expect(out.problems.map((r) => [r.severity, r.field?.path])).toEqual([['error', `data.${key}`]]);
    expect(out.problems[0]!.message).toContain(`option ${key}=${JSON.stringify(value)}`);
  });
});

describe('--help', () => {
  const section = HELP.slice(HELP.indexOf('spec options (defaults in brackets):'), HELP.indexOf('ConfigMap keys:'));
  /** Option name → the text of its entry (the lines up to the next option). */
  const entries = new Map<string, string>();
  let current = '';
  for (const line of section.split('\n').slice(1)) {
    const m = /^ {2,4}(\w+):?(?: {2,}(.*))?$/.exec(line);
    if (m) entries.set((current = m[1]!), m[2] ?? '');
    else if (current) entries.set(current, `${entries.get(current)} ${line.trim()}`);
  }
  /** The first bracketed text of an entry: its default. */
  const defaultIn = (name: string) => /\[([^\]]*)\]/.exec(entries.get(name) ?? '')?.[1];

  it('shows the default of each option that has one', () => {
    for (const [name, value] of Object.entries(defaults)) {
      if (typeof value !== 'string' && typeof value !== 'boolean') continue;
      expect([name, defaultIn(name)]).toEqual([name, String(value)]);
    }
    for (const [gate, value] of Object.entries(DEFAULT_OPTIONS.featureGates))
      expect([gate, defaultIn(gate)]).toEqual([gate, String(value)]);
  });

  it('lists the allowed values of each enumerated option', () => {
    for (const [name, values] of Object.entries(ENUMS)) expect(entries.get(name)).toContain(values.join(' | '));
  });

  it("gives each option the schema's description (its first letter may be lower case)", () => {
    const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);
    for (const [name, description] of descriptions) {
      const entry = (entries.get(name) ?? '').replace(/\s+/g, ' ');
      const carried = entry.includes(description!) || entry.includes(lowerFirst(description!));
      expect(carried, `${name}: "${entry}" lacks "${description}"`).toBe(true);
    }
  });
});

describe('deploy/argocd/plugin.yaml', () => {
  const plugin = YAML.parse(readFileSync(`${ROOT}/deploy/argocd/plugin.yaml`, 'utf8')) as {
    spec: { parameters: { static: { name: string; title: string }[] } };
  };
  const titles = new Map(plugin.spec.parameters.static.map((p) => [p.name, p.title]));
  // generate.sh gives these their Argo CD defaults: the Application's namespace, and its own step.
  const ARGOCD_DEFAULTS = ['defaultNamespace', 'step'];

  it("states the function's default, and the allowed values of an enumerated option", () => {
    for (const [name, title] of titles) {
      const stated = /\(default: ([\w-]+)\)/.exec(title)?.[1] ?? /(\w+) \(default\)/.exec(title)?.[1];
      if (stated !== undefined && name in defaults && !ARGOCD_DEFAULTS.includes(name)) {
        expect([name, stated]).toEqual([name, String(defaults[name])]);
      }
      for (const value of ENUMS[name] ?? []) expect(title, name).toContain(value);
    }
    expect([...titles.keys()].filter((name) => name in ENUMS).sort()).toEqual(Object.keys(ENUMS).sort());
  });

  it("begins each option's title with the schema's description", () => {
    for (const [name, title] of titles) {
      const description = descriptions.get(name);
      if (description !== undefined) expect(title.slice(0, description.length), name).toBe(description);
      // Parameters of the plugin alone (recurse) are described here only.
      else expect(CONFIGMAP_KEYS, name).not.toContain(name);
    }
  });
});
