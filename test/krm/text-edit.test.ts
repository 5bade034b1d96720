// The text edit against the Document path: same data, same bytes on kpt-formatted items, and the
// layouts the text edit leaves to the Document path.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse } from 'yaml';
import { editItemText } from '../../src/krm/text-edit.js';
import { compactSequencesIn, rewriteItem, rewriteWithDocument, splitItem, usesCompactSequences } from '../../src/krm/edit.js';
import { dedentItem, dedentLines, indentItem, parseItem } from '../../src/krm/read.js';
import { itemArb } from './item-texts.js';

const DEPLOYMENT = `# head comment
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web # the name
  labels:
    "app.kubernetes.io/name": web
spec:
  template:
    metadata:
      labels:
        app: web
    spec:
      # the app
      containers:
      - name: web
        image: nginx:1.25 # pinned
        args: ["a", 'b']
        env:
        - name: A
          value: "1"

      # the second one
      - name: helper
        image: busybox
        command:
        - sh
        - -c
        - |
          echo hi
          # not a comment
      volumes:
      - name: logs
        emptyDir: {}
`;

const clone = <T>(v: T): T => structuredClone(v);

function both(text: string, change: (o: any) => void) {
  const old = parse(text);
  const next = clone(old);
  change(next);
  const fast = editItemText(text, old, next, { compactSequences: usesCompactSequences(text) });
  const slow = rewriteWithDocument(text, next);
  return { old, next, fast, slow };
}

describe('editItemText', () => {
  const cases: Array<[string, (o: any) => void]> = [
    [
      'adds annotations to a template without them',
      (o) => (o.spec.template.metadata.annotations = { 'kruise.io/x': '{"a":1}', on: 'yes' }),
    ],
    [
      'inserts a container before and appends one after the app',
      (o) => {
        o.spec.template.spec.containers.unshift({
          name: 'before',
          image: 'b',
          env: [{ name: 'IS_INJECTED', value: 'true' }],
          resources: {},
        });
        o.spec.template.spec.containers.push({ name: 'after', image: '2021-01-01' });
      },
    ],
    ['replaces a container in place', (o) => (o.spec.template.spec.containers[1] = { name: 'helper', image: 'new' })],
    ['edits inside a container, keeping its comments', (o) => o.spec.template.spec.containers[0].env.push({ name: 'B', value: 'on' })],
    [
      'appends volumes and adds imagePullSecrets and a scalar',
      (o) => {
        o.spec.template.spec.volumes.push({ name: 'conf', configMap: { name: 'c', defaultMode: 420 } });
        o.spec.template.spec.imagePullSecrets = [{ name: 's' }];
        o.spec.template.spec.serviceAccountName = 'mesh';
      },
    ],
    ['changes a scalar with a comment', (o) => (o.spec.template.spec.containers[0].image = 'nginx:1.26')],
    [
      'removes a container and a key',
      (o) => {
        o.spec.template.spec.containers.splice(1, 1);
        delete o.spec.template.spec.volumes;
      },
    ],
  ];

  it.each(cases)('%s: same data as the Document path, same bytes', (_name, change) => {
    const { next, fast, slow } = both(DEPLOYMENT, change);
    expect(fast).toBeDefined();
    expect(parse(fast!)).toEqual(next);
    expect(fast).toBe(slow);
    expect(fast!.match(/# head comment/g)).toHaveLength(1);
  });

  it("handles indented sequences and a Pod's own metadata", () => {
    const pod = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: app\n      image: a\n';
    const { next, fast, slow } = both(pod, (o) => {
      o.metadata.annotations = { a: 'b' };
      o.spec.containers.push({ name: 'side', image: 's', ports: [{ containerPort: 80 }] });
    });
    expect(parse(fast!)).toEqual(next);
    expect(fast).toBe(slow);
  });

  it('keeps untouched text exactly, where the Document path would reformat it', () => {
    const text =
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p   # spaced\n  labels: {a: b}\nspec:\n  containers:\n  - name: app\n    image: a\n';
    const { next, fast } = both(text, (o) => o.spec.containers.push({ name: 'side', image: 's' }));
    expect(parse(fast!)).toEqual(next);
    expect(fast).toContain('  name: p   # spaced\n  labels: {a: b}\n');
  });

  it.each([
    ['an anchor', 'a: &x {b: 1}\nc: *x\n', (o: any) => (o.d = 1)],
    ['a multi-line flow mapping being edited', 'a: {b: 1,\n  c: 2}\n', (o: any) => (o.a.d = 1)],
    ['a changed block scalar', 'a: |\n  x\n', (o: any) => (o.a = 'y\n')],
    ['a complex key', '? a\n: b\n', (o: any) => (o.c = 1)],
  ])('leaves %s to the Document path', (_name, text, change) => {
    const { fast, slow, next } = both(text, change);
    expect(fast).toBeUndefined();
    expect(parse(slow)).toEqual(next);
  });
});

// A template written in flow style keeps it (issue 17, §7): the text edit leaves a changed flow
// collection to the Document path, which keeps each collection's style. An empty `{}` or `[]` has
// none to keep: filled, it becomes a block at its key's indentation, on both paths.
describe('editItemText, flow collections', () => {
  const FLOW_POD =
    'kind: Pod\nmetadata:\n  name: p\n  labels: {app: web}\nspec:\n  containers: [{name: app, image: nginx, ports: [{containerPort: 80}]}] # the app\n  volumes: [{name: data, emptyDir: {}}]\n';
  const inject = (o: any) => {
    o.spec.containers.unshift({ name: 'log', image: 'busybox', env: [{ name: 'IS_INJECTED', value: 'true' }], resources: {} });
    o.spec.volumes.push({ name: 'logs', emptyDir: {} });
  };

  it('keeps changed flow collections flow, each on its line, with its comment', () => {
    const { next, fast, slow } = both(FLOW_POD, inject);
    expect(fast).toBeUndefined();
    const item = `- ${FLOW_POD.replace(/\n(?=.)/g, '\n  ')}`;
    const out = rewriteItem(item, 0, parse(FLOW_POD), next);
    expect(out).toBe(indentItem(slow, 0));
    expect(parse(slow)).toEqual(next);
    expect(slow).toBe(
      'kind: Pod\nmetadata:\n  name: p\n  labels: {app: web}\nspec:\n' +
        '  containers: [{name: log, image: busybox, env: [{name: IS_INJECTED, value: "true"}], resources: {}}, {name: app, image: nginx, ports: [{containerPort: 80}]}] # the app\n' +
        '  volumes: [{name: data, emptyDir: {}}, {name: logs, emptyDir: {}}]\n',
    );
  });

  it('keeps an unchanged flow collection as written, and edits the block parts in the text', () => {
    const text =
      'kind: Pod\nmetadata:\n  name: p\n  labels: { app: "web" }\nspec:\n  containers:\n  - name: app\n    args: [ "a", \'b\' ]\n';
    const { next, fast, slow } = both(text, (o) => o.spec.containers.unshift({ name: 'log', image: 'busybox' }));
    expect(fast).toBe(
      'kind: Pod\nmetadata:\n  name: p\n  labels: { app: "web" }\nspec:\n  containers:\n  - name: log\n    image: busybox\n  - name: app\n    args: [ "a", \'b\' ]\n',
    );
    expect(parse(slow)).toEqual(next);
  });

  it.each([
    ['wide', 'kind: Pod\nmetadata:\n  annotations: {}\nspec:\n  containers:\n    - name: app\n  volumes: []\n'],
    ['compact', 'kind: Pod\nmetadata:\n  annotations: {}\nspec:\n  containers:\n  - name: app\n  volumes: []\n'],
  ])('writes a filled empty {} or [] as a block at its own indentation, on both paths (%s sequences)', (_style, text) => {
    const { next, fast, slow } = both(text, (o) => {
      o.metadata.annotations = { 'kruise.io/sidecarset-injected-list': 'log' };
      o.spec.volumes = [{ name: 'logs', emptyDir: {} }];
    });
    expect(parse(fast!)).toEqual(next);
    expect(fast).toBe(slow);
    expect(fast).toContain('  annotations:\n    kruise.io/sidecarset-injected-list: log\n');
    expect(fast).toMatch(/\n {2}volumes:\n( {2}| {4})- name: logs\n/);
  });

  it('keeps flow style through random injections into flow lists, reading back as the new data', () => {
    const container = fc.record({
      name: fc.constantFrom('app', 'web', 'db', 'cache'),
      image: fc.constantFrom('nginx', 'redis:7', 'on', '1.0'),
    });
    const flow = (v: unknown) => JSON.stringify(v).replace(/"([a-z]+)":/g, '$1: ');
    let kept = 0;
    fc.assert(
      fc.property(fc.uniqueArray(container, { minLength: 1, maxLength: 4, selector: (c) => c.name }), fc.nat(), (containers, choice) => {
        const text = `kind: Pod\nspec:\n  containers: ${flow(containers)}\n  restartPolicy: Always\n`;
        const old = parse(text);
        const next = clone(old);
        const sidecar = { name: 'log', image: 'busybox', env: [{ name: 'IS_INJECTED', value: 'true' }] };
        if (choice % 3 === 0) next.spec.containers.unshift(sidecar);
        else if (choice % 3 === 1) next.spec.containers.push(sidecar);
        else next.spec.containers[choice % containers.length] = { ...containers[choice % containers.length], image: 'changed' };
        const out = rewriteItem(indentItem(text, 0), 0, old, next);
        expect(parse(dedentItem(out, 0))).toEqual(next);
        expect(out).toMatch(/^ {4}containers: \[\{.*\}\]$/m);
        expect(out).toContain('    restartPolicy: Always\n');
        kept++;
      }),
      { numRuns: 200 },
    );
    expect(kept).toBe(200);
  });
});

// kubernetes/examples' etcd Deployment repeats spec.selector (issue 12, defect 10).
describe('editItemText, a repeated key left alone', () => {
  const text =
    'kind: Deployment\nspec:\n  selector:\n    matchLabels:\n      name: etcd\n  replicas: 3\n  selector:\n    matchLabels:\n      name: etcd\n  template:\n    spec:\n      containers:\n      - name: member\n        image: etcd\n';
  const read = (t: string) => parse(t, { uniqueKeys: false });

  it('keeps both occurrences byte for byte, as the Document path does', () => {
    const old = read(text);
    const next = structuredClone(old);
    next.spec.template.spec.containers.unshift({ name: 'log', image: 'log:1' });
    const fast = editItemText(text, old, next, { compactSequences: true });
    expect(fast).toBe(rewriteWithDocument(text, next));
    expect(fast!.match(/^ {2}selector:\n {4}matchLabels:\n {6}name: etcd\n/gm)).toHaveLength(2);
    expect(read(fast!)).toEqual(next);
  });

  it('leaves a changed repeated key to the Document path', () => {
    const old = read(text);
    const next = structuredClone(old);
    next.spec.selector = { matchLabels: { name: 'other' } };
    expect(editItemText(text, old, next, { compactSequences: true })).toBeUndefined();
  });
});

// The blank lines after a keep-chomping scalar are part of its value, wherever it ends a map or a
// list item: what the edit appends goes after them. (The Document path moves other blank lines.)
describe('editItemText, block scalars ending a map or a list item', () => {
  const INDICATORS = ['|+', '>+', '|2+', '|', '|-', '>', '>-'];

  it.each(INDICATORS)('%s: a key appended to the map', (indicator) => {
    const text = `metadata:\n  annotations:\n    note: ${indicator}\n      hello\n\n\nspec: {}\n`;
    const { next, fast, slow } = both(text, (o) => (o.metadata.annotations.added = 'x'));
    expect(parse(fast!)).toEqual(next);
    expect(parse(slow)).toEqual(next);
    if (indicator.endsWith('+'))
      expect(fast).toBe(`metadata:\n  annotations:\n    note: ${indicator}\n      hello\n\n\n    added: x\nspec: {}\n`);
  });

  it.each(INDICATORS)('%s: an item appended to the list', (indicator) => {
    const text = `volumes:\n- name: a\n  csi:\n    volumeAttributes:\n      script: ${indicator}\n        echo hi\n\n`;
    const { next, fast, slow } = both(text, (o) => o.volumes.push({ name: 'b', emptyDir: {} }));
    expect(parse(fast!)).toEqual(next);
    expect(parse(slow)).toEqual(next);
    if (indicator.endsWith('+')) expect(fast).toBe(`${text}- name: b\n  emptyDir: {}\n`);
  });
});

describe('editItemText, emptied collections', () => {
  it('writes an emptied map or list as {} or [], never as null', () => {
    const text =
      'kind: Pod\nspec:\n  containers:\n  - name: a\n    resources:\n      limits:\n        cpu: 1\n    ports:\n    - containerPort: 80\n';
    const old = parse(text);
    const next = structuredClone(old);
    next.spec.containers[0].resources = {};
    next.spec.containers[0].ports = [];
    const fast = editItemText(text, old, next, { compactSequences: true });
    expect(parse(fast!)).toEqual(next);
    expect(fast).toContain('    resources: {}\n');
    expect(fast).toContain('    ports: []\n');
  });
});

// rewriteItem takes the item's lines through the edit without the whole-text steps (dedent,
// split, join, indent); it must give their bytes, on random items and random changes.
describe('rewriteItem, line by line', () => {
  const change = (numbers: readonly number[]) => {
    let at = 0;
    const next = () => numbers[at++ % numbers.length] ?? 0;
    const sidecar = () => ({
      name: 'sidecar',
      image: 'on',
      env: [
        { name: 'IS_INJECTED', value: 'true' },
        { name: 'x', value: 'a: b' },
      ],
      resources: {},
    });
    const mutate = (v: unknown): unknown => {
      if (typeof v !== 'object' || v === null)
        return next() % 2 ? ['x', 'on', 1, null, 'a: b', { n: 1 }, [1], 'e0', 'a\u2028b'][next() % 9] : v;
      if (Array.isArray(v)) {
        const out = v.map((x) => (next() % 3 === 0 ? mutate(x) : x));
        if (next() % 3 === 0) out.push(sidecar());
        if (next() % 5 === 0) out.unshift({ name: 'first', image: 'i' });
        if (next() % 10 === 0) out.splice(0, 1);
        return out;
      }
      const out: Record<string, unknown> = { ...(v as Record<string, unknown>) };
      for (const k of Object.keys(out)) {
        if (next() % 10 === 0) delete out[k];
        else if (next() % 3 === 0) out[k] = mutate(out[k]);
      }
      if (next() % 5 === 0)
        out[['annotations', 'new', 'a', 'z z'][next() % 4]] = [{ 'kruise.io/x': '{"a":1}' }, [sidecar()], 'v', {}, []][next() % 5];
      return out;
    };
    return mutate;
  };
  // The lines around the item proper are kept as they are in both (splitItem).
  const wholeText = (raw: string, indent: number, old: unknown, next: unknown) => {
    const { head, body, tail } = splitItem(raw, indent);
    const text = dedentItem(body, indent);
    return (
      head +
      indentItem(
        editItemText(text, old, next, { compactSequences: usesCompactSequences(text) }) ?? rewriteWithDocument(text, next),
        indent,
      ) +
      tail
    );
  };
  const outcome = (f: () => string) => {
    try {
      return f();
    } catch (e) {
      return `throws ${(e as Error).message}`;
    }
  };

  it('gives the bytes of the whole-text steps', () => {
    let edited = 0;
    fc.assert(
      fc.property(itemArb(3), fc.array(fc.nat(), { minLength: 20, maxLength: 60 }), ({ raw, indent }, numbers) => {
        let old: unknown;
        try {
          old = parseItem({ raw, indent }).object;
        } catch {
          return;
        }
        if (typeof old !== 'object' || old === null || Array.isArray(old)) return;
        const next = change(numbers)(old);
        expect(outcome(() => rewriteItem(raw, indent, old, next))).toBe(outcome(() => wholeText(raw, indent, old, next)));
        edited++;
      }),
      { numRuns: 1500 },
    );
    expect(edited).toBeGreaterThan(300);
  });

  it.each([
    [[':', '- a']],
    [['a:', '  # c', '- x']],
    [['a:', '# c', '- x']],
    [['a:  \t', '- x']],
    [[' a:', '  # c', ' - x']],
    [['# a:', '- x']],
    [['- a:', '- x']],
    [['a:', '', '- x']],
    [['\ta:', '- x']],
    [['a: b:', '  - x']],
    [['a:', '-x', 'b:', '- y']],
    [['a:']],
  ])('compactSequencesIn(%j) is usesCompactSequences of the text', (lines) => {
    expect(compactSequencesIn(lines)).toBe(usesCompactSequences(lines.join('\n') + '\n'));
  });

  it('compactSequencesIn reads the lines as usesCompactSequences reads the text', () => {
    fc.assert(
      fc.property(itemArb(5), ({ raw, indent }) => {
        const lines = dedentLines(raw, indent);
        if (lines !== undefined) expect(compactSequencesIn(lines)).toBe(usesCompactSequences(dedentItem(raw, indent)));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('rewriteWithDocument, `<<` keys in new nodes', () => {
  // Items are read with their merge keys applied, as kubectl reads them: a `<<` key left in the data
  // was a quoted key, a string, and must not come out as a merge key.
  it('writes a new `<<` key quoted', () => {
    const value = { a: 1, b: { '<<': { x: 1 }, y: 2 } };
    const out = rewriteWithDocument('a: 1\n', value);
    expect(out).toMatch(/^ {2}"<<":$/m);
    expect(parse(out, { version: '1.1', merge: true })).toEqual(value);
  });
});

describe('rewriteWithDocument, aliases to what the injection replaced', () => {
  // A SidecarSet container replacing the template's own `api` took its anchored limits with it, and
  // `web`'s alias had nothing to point at (real-world counterexample, seed 1351324965).
  it('writes such an alias out as a copy of what it stood for', () => {
    const text = 'containers:\n- name: api\n  resources:\n    limits: &l\n      cpu: "1"\n- name: web\n  resources:\n    limits: *l\n';
    const next = {
      containers: [
        { name: 'api', image: 'side:1' },
        { name: 'web', resources: { limits: { cpu: '1' } } },
      ],
    };
    const out = rewriteWithDocument(text, next);
    expect(parse(out)).toEqual(next);
    expect(parse(out, { version: '1.1' })).toEqual(next);
  });
});

describe('rewriteWithDocument, scalars kept from the input', () => {
  // Its writer quotes a new `<<` or `on` so that every reader reads a string; a scalar the input
  // wrote plain must stay plain, or a YAML 1.1 reader loses the merge (or the boolean) it read.
  it('keeps a merge key and a plain `on` as written while changing a value beside them', () => {
    const text = 'metadata:\n  labels: &l\n    app: web\nspec:\n  selector:\n    <<: *l\n  flag: on\n  image: app:1\n';
    const next = parse(text, { schema: 'core', merge: true }) as { spec: { image: string } };
    next.spec.image = 'app:2';
    const out = rewriteWithDocument(text, next);
    expect(out).toContain('    <<: *l\n');
    expect(out).toContain('  flag: on\n');
    expect(parse(out, { version: '1.1', merge: true })).toEqual({
      ...parse(text, { version: '1.1', merge: true }),
      spec: { selector: { app: 'web' }, flag: true, image: 'app:2' },
    });
  });
});
