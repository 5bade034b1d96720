// The steps of injectTemplate, each on its own, and the whole on one template.
import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS, type Options } from '../../src/config/options.js';
import { prepareRules, type Rule } from '../../src/sidecarset/rules.js';
import {
  buildSidecars,
  containerNamesWithTwins,
  finish,
  injectTemplate,
  orderSidecars,
  patchMetadata,
  readBookkeeping,
  resolveNameConflicts,
  startInjection,
  stripEarlierRun,
  type InjectContext,
} from '../../src/inject/pipeline.js';
import type { Problem } from '../../src/krm/results.js';
import { HASH_ANNOTATION, INJECTED_LIST_ANNOTATION } from '../../src/sidecarset/kruise-keys.js';
import type { PodTemplate } from '../../src/workloads/locate.js';

type Obj = Record<string, any>;

/** Rules as the rules stage makes them; `conflicting`: SidecarSets that conflict with each other (an error of that stage). */
function rules(sets: Obj[], options: Partial<Options> = {}, conflicting = false): Rule[] {
  const prepared = prepareRules(
    sets.map((object) => ({ object, subject: {}, from: 'functionConfig' as const })),
    { options: { ...DEFAULT_OPTIONS, ...options }, controllerRevisions: undefined, whitelist: undefined },
  );
  const errors = prepared.results.filter((r) => r.severity === 'error');
  if (conflicting) expect(errors.map((r) => r.message)).toEqual([expect.stringContaining('conflict')]);
  else expect(errors).toEqual([]);
  expect(prepared.rules).toHaveLength(sets.length);
  return prepared.rules;
}

function sidecarSet(name: string, spec: Obj): Obj {
  return {
    apiVersion: 'apps.kruise.io/v1beta1',
    kind: 'SidecarSet',
    metadata: { name },
    spec: { selector: { matchLabels: { app: 'web' } }, ...spec },
  };
}

function context(options: Partial<Options> = {}): InjectContext {
  return { options: { ...DEFAULT_OPTIONS, ...options }, namespace: 'default', serviceAccountPullSecrets: () => undefined, step: 'test' };
}

function template(spec: Obj = {}, annotations?: Record<string, string>): PodTemplate {
  return {
    metadata: { labels: { app: 'web' }, ...(annotations ? { annotations } : {}) },
    spec: { containers: [{ name: 'app', image: 'app:1' }], ...spec },
  } as PodTemplate;
}

const logAgent = sidecarSet('log', {
  containers: [{ name: 'log-agent', image: 'log:1', volumeMounts: [{ name: 'logs', mountPath: '/logs' }] }],
  volumes: [{ name: 'logs', emptyDir: {} }],
});

describe('patchMetadata', () => {
  it('applies each SidecarSet patch and lists the keys it changed', () => {
    const [rule] = rules([
      sidecarSet('meta', {
        containers: [{ name: 'c', image: 'c' }],
        patchPodMetadata: [{ annotations: { a: 'x' }, patchPolicy: 'Overwrite' }],
      }),
    ]);
    const problems: Problem[] = [];
    expect(patchMetadata({ b: 'y' }, [rule], DEFAULT_OPTIONS, problems)).toEqual({
      annotations: { a: 'x', b: 'y' },
      changedKeys: ['a'],
      errors: [],
    });
    expect(problems).toEqual([]);
  });

  it('rejects the pod when a MergePatchJson value is not a JSON object, and leaves the input alone', () => {
    const [rule] = rules([
      sidecarSet('meta', {
        containers: [{ name: 'c', image: 'c' }],
        patchPodMetadata: [{ annotations: { a: '{"k":"v"}' }, patchPolicy: 'MergePatchJson' }],
      }),
    ]);
    const problems: Problem[] = [];
    const input = { a: 'not json' };
    expect(patchMetadata(input, [rule], DEFAULT_OPTIONS, problems)).toBeUndefined();
    expect(input).toEqual({ a: 'not json' });
    expect(problems).toMatchObject([{ severity: 'error', fieldPath: 'metadata.annotations["a"]', sidecarSets: ['meta'] }]);
  });
});

describe('readBookkeeping', () => {
  it('reads the hash entries and the injected list', () => {
    const problems: Problem[] = [];
    const books = readBookkeeping(
      {
        [HASH_ANNOTATION]:
          '{"log":{"updateTimestamp":"1970-01-01T00:00:00Z","hash":"h","sidecarSetName":"log","sidecarList":["log-agent"]}}',
        [INJECTED_LIST_ANNOTATION]: 'log,other',
      },
      problems,
    );
    expect(problems).toEqual([]);
    expect(books?.hashes.get('log')?.hash).toBe('h');
    expect([...(books?.injectedList ?? [])]).toEqual(['log', 'other']);
  });

  it('reports a hash annotation that does not parse, and gives up', () => {
    const problems: Problem[] = [];
    expect(readBookkeeping({ [HASH_ANNOTATION]: '{not json' }, problems)).toBeUndefined();
    expect(problems).toMatchObject([{ severity: 'error', fieldPath: `metadata.annotations[${JSON.stringify(HASH_ANNOTATION)}]` }]);
  });
});

describe('containerNamesWithTwins', () => {
  it('names every container and init container with its hot-upgrade twins', () => {
    const names = containerNamesWithTwins(
      rules([sidecarSet('s', { containers: [{ name: 'a', image: 'a' }], initContainers: [{ name: 'i', image: 'i' }] })]),
    );
    expect(names.has('a')).toBe(true);
    expect(names.has('i')).toBe(true);
    expect(names.has('a-1')).toBe(true);
    expect(names.has('a-2')).toBe(true);
  });
});

describe('buildSidecars', () => {
  function built(sets: Obj[], pod = template(), options: Partial<Options> = {}) {
    const ctx = context(options);
    const matched = rules(sets, options);
    const problems: Problem[] = [];
    const state = startInjection(pod, matched, undefined, ctx, problems)!;
    const names = containerNamesWithTwins(matched);
    return { state, problems, sidecars: buildSidecars(state, stripEarlierRun(state, names), names) };
  }

  it('builds the containers, the volumes they mount and the hash entries, without touching the pod', () => {
    const pod = template();
    const { state, sidecars } = built([logAgent], pod);
    expect(sidecars?.containers.map((b) => [b.rule, b.container.name])).toEqual([['log', 'log-agent']]);
    expect(sidecars?.candidateVolumes).toEqual([{ volume: { name: 'logs', emptyDir: {} }, rule: 'log' }]);
    expect(state.bookkeeping.hashes.get('log')?.sidecarList).toEqual(['log-agent']);
    expect([...state.bookkeeping.injectedList]).toEqual(['log']);
    expect(state.pod.spec.containers).toEqual(pod.spec.containers);
  });

  it('fails as a whole when one resourcesPolicy cannot be met, and still reports the other sidecars', () => {
    const bad = sidecarSet('res', {
      containers: [
        {
          name: 'r',
          image: 'r',
          resourcesPolicy: {
            targetContainersMode: 'sum',
            targetContainersNameRegex: '^nothing$',
            resourcesExpr: { limits: { cpu: 'cpu*50%' } },
          },
        },
      ],
    });
    const { state, sidecars, problems } = built([bad, logAgent]);
    expect(sidecars).toBeUndefined();
    expect(problems).toMatchObject([{ severity: 'error', sidecarSets: ['res'], message: expect.stringContaining('no containers match') }]);
    expect([...state.bookkeeping.hashes.keys()]).toEqual(['res', 'log']);
  });
});

describe('resolveNameConflicts and orderSidecars', () => {
  const a = sidecarSet('a', { containers: [{ name: 'z-shared', image: 'a' }] });
  const b = sidecarSet('b', {
    containers: [
      { name: 'z-shared', image: 'b' },
      { name: 'b-own', image: 'b' },
    ],
  });

  function lists(options: Partial<Options> = {}) {
    const ctx = context(options);
    const matched = rules([a, b], options, true);
    const problems: Problem[] = [];
    const state = startInjection(template(), matched, undefined, ctx, problems)!;
    const names = containerNamesWithTwins(matched);
    const earlier = stripEarlierRun(state, names);
    const resolved = resolveNameConflicts(state, buildSidecars(state, earlier, names)!, earlier.otherSidecars);
    return { state, problems, resolved };
  }

  it('keeps the first SidecarSet of a container name, with an error', () => {
    const { resolved, problems } = lists();
    expect(resolved.all.map((s) => `${s.rule}/${s.container.name}`)).toEqual(['a/z-shared', 'b/b-own']);
    expect(problems.filter((p) => p.severity === 'error')).toHaveLength(1);
  });

  it('keeps rule order, with a warning, unless EnableSortSidecarContainerByName sorts by name', () => {
    const unsorted = lists();
    orderSidecars(unsorted.state, unsorted.resolved);
    expect(unsorted.resolved.containers.map((s) => s.container.name)).toEqual(['z-shared', 'b-own']);
    expect(unsorted.problems.filter((p) => p.severity === 'warning' && p.fieldPath === 'spec.containers')).toHaveLength(1);

    const sorted = lists({ featureGates: { ...DEFAULT_OPTIONS.featureGates, EnableSortSidecarContainerByName: true } });
    orderSidecars(sorted.state, sorted.resolved);
    expect(sorted.resolved.containers.map((s) => s.container.name)).toEqual(['b-own', 'z-shared']);
    expect(sorted.resolved.all.map((s) => s.container.name)).toEqual(['z-shared', 'b-own']);
    expect(sorted.problems.filter((p) => p.fieldPath === 'spec.containers')).toEqual([]);
  });
});

describe('finish', () => {
  it('keeps an empty annotation map the template had, and drops one it did not', () => {
    for (const annotations of [{}, undefined]) {
      const pod = template({}, annotations);
      const state = startInjection(pod, [], undefined, context(), [])!;
      const outcome = finish(state, []);
      expect(outcome.changed).toBe(false);
      expect(outcome.template).toBe(pod);
    }
  });
});

describe('injectTemplate', () => {
  it('injects a sidecar with its volume and bookkeeping, and is a fixed point on its own output', () => {
    const matched = rules([logAgent]);
    const first = injectTemplate(template(), matched, context());
    expect(first.changed).toBe(true);
    expect(first.injected).toEqual(['log-agent']);
    expect(first.template.spec.containers?.map((c) => c.name)).toEqual(['log-agent', 'app']);
    expect(first.template.spec.volumes).toEqual([{ name: 'logs', emptyDir: {} }]);
    expect(first.template.metadata?.annotations?.[INJECTED_LIST_ANNOTATION]).toBe('log');
    const again = injectTemplate(first.template, matched, context());
    expect(again.changed).toBe(false);
    expect(again.template).toBe(first.template);
  });

  it('leaves the template alone when its bookkeeping does not parse', () => {
    const pod = template({}, { [HASH_ANNOTATION]: 'nope' });
    const outcome = injectTemplate(pod, rules([logAgent]), context());
    expect(outcome).toMatchObject({ changed: false, injected: [] });
    expect(outcome.template).toBe(pod);
    expect(outcome.problems.map((p) => p.severity)).toEqual(['error']);
  });
});
