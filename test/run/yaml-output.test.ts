// What the function writes means what it meant under every YAML reader, and the lines it did not
// change stay where they were (issue 12: number-like and special strings, keep-chomping block
// scalars ending a map, comments between items). Each case runs on an item the text edit writes
// and on one it leaves to the Document path (labels shared through an anchor, as real manifests do).
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import jsyaml from 'js-yaml';
import { runFunction } from '../../src/run.js';
import { checkIdempotent, observe } from '../safety/invariants.js';
import { RESOURCE_LIST_HEAD as HEADER } from '../helpers/krm.js';

const READERS: Array<[string, (text: string) => any]> = [
  ['yaml 1.2 core', (text) => parse(text)],
  ['yaml 1.1', (text) => parse(text, { version: '1.1' })],
  ['js-yaml', (text) => jsyaml.load(text)],
];

/** A Deployment whose pod template gets `templateMetadata` and `containers`, and its selector labels, plain or anchored. */
function deployment(
  path: 'text edit' | 'Document path',
  templateMetadata = '',
  containers = '        - name: main\n          image: main:1\n',
) {
  const [selector, labels] = path === 'text edit' ? ['', '\n          app: web'] : [' &labels', ' *labels'];
  return `- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
  spec:
    selector:
      matchLabels:${selector}
        app: web
    template:
      metadata:
        labels:${labels}
${templateMetadata}      spec:
        containers:
${containers}`;
}

/** The function's own config: a SidecarSet adding the `agent` container, with `spec` lines added. */
const sidecarSetConfig = (spec = '', container = '') => `functionConfig:
  apiVersion: apps.kruise.io/v1beta1
  kind: SidecarSet
  metadata:
    name: agent
  spec:
    selector:
      matchLabels:
        app: web
${spec}    containers:
    - name: agent
      image: agent:1
${container}`;

const PATHS = ['text edit', 'Document path'] as const;

describe('number-like and special strings', () => {
  // kubectl and kustomize (go-yaml) read a plain 0o644 as 420, 0O17 as 15, +0x1F as 31; YAML 1.1
  // readers break lines at NEL, U+2028 and U+2029 and reject a BOM inside the document.
  const VALUES = [
    '0o644',
    '0O17',
    '0X1F',
    '0B101',
    '+0x1F',
    '1e5_0',
    '0x_1F',
    '=',
    '<<',
    'on',
    '1:20',
    'a\u2028b',
    'line\u0085break',
    '\ufeffx',
    'a\u2029b',
  ];
  const escaped = (v: string) =>
    JSON.stringify(v).replace(/[\u0085\u2028\u2029\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

  it.each(PATHS)('are written so that every reader reads them back (%s)', (path) => {
    const text =
      HEADER +
      deployment(
        path,
        '',
        `        - name: main
          image: main:1
          env:
          - name: UMASK
            value: "0o644"
          - name: MASK
            value: '0X1F'
          - name: SEP
            value: "a\\Lb"
`,
      ) +
      sidecarSetConfig(
        `    patchPodMetadata:
    - annotations:
${VALUES.map((v, i) => `        example.com/v${i}: ${escaped(v)}\n`).join('')}`,
        `      args: [${VALUES.map(escaped).join(', ')}]
      env:
${VALUES.map((v, i) => `      - name: V${i}\n        value: ${escaped(v)}\n`).join('')}      transferEnv:
      - sourceContainerName: main
        envName: UMASK
      - sourceContainerName: main
        envName: MASK
      - sourceContainerName: main
        envName: SEP
`,
      );
    const observed = observe(text);
    const out = observed.first;
    expect(out.exitCode).toBe(0);
    expect(out.items[0].changed).toBe(true);
    for (const [reader, read] of READERS) {
      const template = read(out.stdout).items[0].spec.template;
      const agent = template.spec.containers.find((c: any) => c.name === 'agent');
      expect({ reader, args: agent.args }).toEqual({ reader, args: VALUES });
      expect({ reader, env: agent.env }).toEqual({
        reader,
        env: [
          ...VALUES.map((value, i) => ({ name: `V${i}`, value })),
          { name: 'IS_INJECTED', value: 'true' },
          { name: 'UMASK', value: '0o644' },
          { name: 'MASK', value: '0X1F' },
          { name: 'SEP', value: 'a\u2028b' },
        ],
      });
      expect({ reader, annotations: template.metadata.annotations }).toMatchObject({
        reader,
        annotations: Object.fromEntries(VALUES.map((v, i) => [`example.com/v${i}`, v])),
      });
    }
    const item = out.items[0].text;
    expect(item).toContain('- "0O17"\n');
    expect(item).toContain('example.com/v0: "0o644"\n');
    expect(item).toContain('value: "a\\Lb"\n');
    expect(item).toContain('value: "line\\Nbreak"\n');
    expect(item).toContain('value: "\\ufeffx"\n');
    expect(out.stdout).not.toMatch(/[\u0085\u2028\u2029\ufeff]/);
    checkIdempotent(observed);
  });
});

describe('a keep-chomping block scalar ending a map', () => {
  // The blank lines after `|+` and `>+` are part of the value; the key the function appends goes after them.
  it.each(PATHS.flatMap((path) => (['|+', '>+', '|', '|-', '>', '>-'] as const).map((indicator) => [indicator, path] as const)))(
    'keeps its value when an annotation is appended after it (%s, %s)',
    (indicator, path) => {
      const annotations = `        annotations:\n          note: ${indicator}\n            hello\n\n\n`;
      const text =
        HEADER +
        deployment(path, annotations) +
        sidecarSetConfig(`    patchPodMetadata:\n    - annotations:\n        example.com/mode: "0o644"\n`);
      const before = READERS.map(([, read]) => read(text).items[0].spec.template.metadata.annotations.note);
      const observed = observe(text);
      const out = observed.first;
      expect(out.exitCode).toBe(0);
      for (const [i, [reader, read]] of READERS.entries()) {
        const written = read(out.stdout).items[0].spec.template.metadata.annotations;
        expect({ reader, note: written.note, mode: written['example.com/mode'] }).toEqual({ reader, note: before[i], mode: '0o644' });
      }
      if (indicator.endsWith('+')) expect(before[0]).toBe('hello\n\n\n');
      checkIdempotent(observed);
    },
  );

  it.each(PATHS)('keeps its value when a volume is appended after it (%s)', (path) => {
    const containers = `        - name: main
          image: main:1
        volumes:
        - name: cfg
          csi:
            driver: example.com/cfg
            volumeAttributes:
              script: |+
                echo hi

`;
    const text =
      HEADER +
      deployment(path, '', containers) +
      sidecarSetConfig(
        `    volumes:\n    - name: agent-data\n      emptyDir: {}\n`,
        `      volumeMounts:\n      - name: agent-data\n        mountPath: /data\n`,
      );
    const observed = observe(text);
    const out = observed.first;
    expect(out.exitCode).toBe(0);
    for (const [reader, read] of READERS) {
      const volumes = read(out.stdout).items[0].spec.template.spec.volumes;
      expect({ reader, volumes: volumes.map((v: any) => v.name), script: volumes[0].csi.volumeAttributes.script }).toEqual({
        reader,
        volumes: ['cfg', 'agent-data'],
        script: 'echo hi\n\n',
      });
    }
    checkIdempotent(observed);
  });
});

describe('comments between items', () => {
  const SERVICE = `- apiVersion: v1
  kind: Service
  metadata:
    name: web
`;

  it.each(PATHS)('stay where they were, before the item they precede (%s)', (path) => {
    const text = `${HEADER}# the app\n${deployment(path)}# the web service\n\n  # indented, between the items\n${SERVICE}${sidecarSetConfig()}`;
    const observed = observe(text);
    const out = observed.first;
    expect(out.exitCode).toBe(0);
    expect(out.items[0].changed).toBe(true);
    expect(out.items[0].text.startsWith('# the app\n- apiVersion: apps/v1\n')).toBe(true);
    expect(out.items[0].text.endsWith('\n# the web service\n\n  # indented, between the items\n')).toBe(true);
    expect(out.items[1].text).toBe(SERVICE);
    expect(out.stdout).toContain(`# the web service\n\n  # indented, between the items\n${SERVICE}`);
    checkIdempotent(observed);
  });

  it('inside a block scalar that ends the item, are the value, not a comment', () => {
    const containers =
      '        - name: main\n          image: main:1\n          command:\n          - |\n            echo hi\n            # done\n';
    const text =
      HEADER +
      deployment('text edit', '', containers) +
      sidecarSetConfig(
        `    volumes:\n    - name: agent-data\n      emptyDir: {}\n`,
        `      volumeMounts:\n      - name: agent-data\n        mountPath: /data\n`,
      );
    const out = runFunction({ text });
    expect(out.exitCode).toBe(0);
    const spec = parse(out.stdout).items[0].spec.template.spec;
    expect(spec.containers[1].command).toEqual(['echo hi\n# done\n']);
    expect(spec.volumes).toEqual([{ name: 'agent-data', emptyDir: {} }]);
  });
});

// A template written in flow style comes back in flow style (issue 17, §7), on both paths, and a
// second run changes nothing.
describe('flow-style templates', () => {
  it.each(PATHS)('keep their flow lists, each on its own line (%s)', (path) => {
    const [selector, labels] = path === 'text edit' ? ['', ' {app: web}'] : [' &labels', ' *labels'];
    const text = `${HEADER}- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
  spec:
    selector:
      matchLabels:${selector} {app: web}
    template:
      metadata:
        labels:${labels}
      spec:
        containers: [{name: main, image: "main:1", ports: [{containerPort: 80}]}]  # the app
        volumes: [{name: data, emptyDir: {}}]
${sidecarSetConfig('    volumes:\n    - name: agent-data\n      emptyDir: {}\n', '      volumeMounts:\n      - name: agent-data\n        mountPath: /data\n')}`;
    const observed = observe(text);
    const out = observed.first;
    expect(out.exitCode).toBe(0);
    const item = out.items[0].text;
    expect(item, item).toMatch(
      /\n {8}containers: \[\{name: agent, image: agent:1, .*\}, \{name: main, image: "main:1", ports: \[\{containerPort: 80\}\]\}\] # the app\n/,
    );
    expect(item).toContain('\n        volumes: [{name: data, emptyDir: {}}, {name: agent-data, emptyDir: {}}]\n');
    expect(item).not.toMatch(/^\s+- /m);
    const spec = parse(out.stdout).items[0].spec.template.spec;
    expect(spec.containers.map((c: any) => c.name)).toEqual(['agent', 'main']);
    checkIdempotent(observed);
  });
});
