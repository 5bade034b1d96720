import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeSidecarResources, type LimitRange } from '../../src/inject/resources-policy.js';
import { compileNameRegex } from '../../src/util/go-regexp.js';
import type { Container, ResourcesPolicy, SidecarContainer } from '../../src/sidecarset/types.js';

type Resources = { limits?: Record<string, string>; requests?: Record<string, string> };

function container(name: string, resources?: Resources, restartPolicy?: string): Container {
  return { name, image: 'nginx:1.14.2', ...(resources ? { resources } : {}), ...(restartPolicy ? { restartPolicy } : {}) };
}

const full = (cpuLimit: string, memLimit: string, cpuReq: string, memReq: string): Resources => ({
  limits: { cpu: cpuLimit, memory: memLimit },
  requests: { cpu: cpuReq, memory: memReq },
});

function sidecar(policy: ResourcesPolicy, name = 'sidecar1'): SidecarContainer {
  return { name, image: 'sidecar:1', resourcesPolicy: policy };
}

function compute(
  policy: ResourcesPolicy,
  containers: Container[],
  options: { initContainers?: Container[]; forbidden?: string[]; limitRanges?: LimitRange[] } = {},
) {
  return computeSidecarResources({
    sidecar: sidecar(policy),
    pod: { spec: { containers, initContainers: options.initContainers } },
    forbiddenNames: new Set(options.forbidden ?? ['sidecar1']),
    // Kruise's unit tests build pods without LimitRanges; say so, to keep warnings out of the way.
    limitRanges: 'limitRanges' in options ? options.limitRanges : [],
  });
}

function resourcesOf(outcome: ReturnType<typeof compute>): Resources {
  if (!outcome.ok) throw new Error(outcome.error);
  return outcome.resources;
}

const identity = (mode: string, regex = '.*'): ResourcesPolicy => ({
  targetContainersMode: mode,
  targetContainersNameRegex: regex,
  resourcesExpr: { limits: { cpu: 'cpu', memory: 'memory' }, requests: { cpu: 'cpu', memory: 'memory' } },
});

describe('Kruise applyResourcesPolicy vectors', () => {
  const twoApps = [container('app1', full('200m', '200Mi', '50m', '100Mi')), container('app2', full('400m', '400Mi', '100m', '200Mi'))];
  const engines = [
    container('large.engine.v4', full('200m', '200Mi', '50m', '100Mi')),
    container('large.engine.v8', full('400m', '400Mi', '100m', '200Mi')),
  ];

  it('sum mode with percentages', () => {
    const policy: ResourcesPolicy = {
      targetContainersMode: 'sum',
      targetContainersNameRegex: '.*',
      resourcesExpr: { limits: { cpu: 'cpu*50%', memory: '200Mi' }, requests: { cpu: 'cpu*50%', memory: '100Mi' } },
    };
    expect(resourcesOf(compute(policy, twoApps))).toEqual({
      limits: { cpu: '300m', memory: '200Mi' },
      requests: { cpu: '75m', memory: '100Mi' },
    });
  });

  it('max mode with an expression', () => {
    const policy: ResourcesPolicy = {
      targetContainersMode: 'max',
      targetContainersNameRegex: '^large.engine.v.*$',
      resourcesExpr: { limits: { cpu: 'max(cpu*50%, 50m)', memory: '200Mi' }, requests: { cpu: 'max(cpu*50%, 50m)', memory: '100Mi' } },
    };
    expect(resourcesOf(compute(policy, engines))).toEqual({
      limits: { cpu: '200m', memory: '200Mi' },
      requests: { cpu: '50m', memory: '100Mi' },
    });
  });

  it('a regex selecting one container', () => {
    const policy: ResourcesPolicy = {
      targetContainersMode: 'sum',
      targetContainersNameRegex: '^large.engine.v4$',
      resourcesExpr: { limits: { cpu: 'max(cpu*50%, 50m)', memory: '200Mi' }, requests: { cpu: 'max(cpu*50%, 50m)', memory: '100Mi' } },
    };
    expect(resourcesOf(compute(policy, engines))).toEqual({
      limits: { cpu: '100m', memory: '200Mi' },
      requests: { cpu: '50m', memory: '100Mi' },
    });
  });

  it('no matching container is an error', () => {
    const policy: ResourcesPolicy = {
      targetContainersMode: 'sum',
      targetContainersNameRegex: '^nonexistent$',
      resourcesExpr: { limits: { cpu: 'cpu*50%' } },
    };
    expect(compute(policy, [container('app1', { limits: { cpu: '200m' } })], { forbidden: [] })).toEqual({
      ok: false,
      error: 'no containers match the regex pattern "^nonexistent$"',
    });
  });

  const percentages: ResourcesPolicy['resourcesExpr'] = {
    limits: { cpu: 'cpu*50%', memory: 'memory*30%' },
    requests: { cpu: 'cpu*30%', memory: 'memory*20%' },
  };

  it('sum mode: one target without a CPU limit leaves the sidecar without a CPU limit', () => {
    const pod = [
      container('app1', full('200m', '200Mi', '100m', '100Mi')),
      container('app2', { limits: { memory: '400Mi' }, requests: { cpu: '50m', memory: '200Mi' } }),
    ];
    expect(resourcesOf(compute({ targetContainersMode: 'sum', targetContainersNameRegex: '.*', resourcesExpr: percentages }, pod))).toEqual(
      {
        limits: { memory: '180Mi' },
        requests: { cpu: '45m', memory: '60Mi' },
      },
    );
  });

  it('max mode: one target without a memory limit leaves the sidecar without a memory limit', () => {
    const pod = [
      container('app1', full('200m', '200Mi', '100m', '100Mi')),
      container('app2', { limits: { cpu: '400m' }, requests: { cpu: '200m' } }),
    ];
    const policy: ResourcesPolicy = {
      targetContainersMode: 'max',
      targetContainersNameRegex: '.*',
      resourcesExpr: { limits: { cpu: 'cpu*40%', memory: 'memory*30%' }, requests: { cpu: 'cpu*25%', memory: 'memory*20%' } },
    };
    expect(resourcesOf(compute(policy, pod))).toEqual({
      limits: { cpu: '160m' },
      requests: { cpu: '50m', memory: '20Mi' },
    });
  });

  it('sum mode: a target without requests or limits counts as 0 for requests', () => {
    const pod = [container('app1', full('200m', '200Mi', '100m', '100Mi')), container('app2')];
    expect(resourcesOf(compute({ targetContainersMode: 'sum', targetContainersNameRegex: '.*', resourcesExpr: percentages }, pod))).toEqual(
      {
        requests: { cpu: '30m', memory: '20Mi' },
      },
    );
  });

  it('sum mode: a target with limits only gets requests = limits first (apiserver defaulting)', () => {
    // Kruise's unit test feeds an undefaulted pod and expects 30m/20Mi; a real pod has app2's
    // requests defaulted to its limits before the webhook runs.
    const pod = [
      container('app1', full('200m', '200Mi', '100m', '100Mi')),
      container('app2', { limits: { cpu: '400m', memory: '400Mi' } }),
    ];
    expect(resourcesOf(compute({ targetContainersMode: 'sum', targetContainersNameRegex: '.*', resourcesExpr: percentages }, pod))).toEqual(
      {
        limits: { cpu: '300m', memory: '180Mi' },
        requests: { cpu: '150m', memory: '100Mi' },
      },
    );
  });

  it('native-sidecar init container as target, classic init container ignored', () => {
    const outcome = computeSidecarResources({
      sidecar: sidecar(
        {
          targetContainersMode: 'sum',
          targetContainersNameRegex: '^app.*$',
          resourcesExpr: {
            limits: { cpu: 'max(cpu*30%, 50m)', memory: 'max(memory*25%, 100Mi)' },
            requests: { cpu: 'cpu*20%', memory: 'memory*15%' },
          },
        },
        'init-sidecar',
      ),
      pod: {
        spec: {
          initContainers: [
            container('app1', full('400m', '800Mi', '200m', '400Mi'), 'Always'),
            container('app2', full('400m', '800Mi', '200m', '400Mi')),
          ],
          containers: [container('app2', full('600m', '1200Mi', '300m', '600Mi'))],
        },
      },
      forbiddenNames: new Set(['init-sidecar']),
      limitRanges: [],
    });
    expect(resourcesOf(outcome)).toEqual({
      limits: { cpu: '300m', memory: '500Mi' },
      requests: { cpu: '100m', memory: '150Mi' },
    });
  });
});

describe('Kruise aggregation vectors (identity expressions)', () => {
  const app1 = container('app1', full('200m', '200Mi', '50m', '100Mi'));

  it('sum', () => {
    const pod = [app1, container('app2', full('400m', '400Mi', '100m', '200Mi'))];
    expect(resourcesOf(compute(identity('sum'), pod))).toEqual({
      limits: { cpu: '600m', memory: '600Mi' },
      requests: { cpu: '150m', memory: '300Mi' },
    });
  });

  it('sum without one CPU limit', () => {
    const pod = [app1, container('app2', { limits: { memory: '400Mi' }, requests: { cpu: '100m', memory: '200Mi' } })];
    expect(resourcesOf(compute(identity('sum'), pod))).toEqual({
      limits: { memory: '600Mi' },
      requests: { cpu: '150m', memory: '300Mi' },
    });
  });

  it('max', () => {
    const pod = [app1, container('app2', full('400m', '400Mi', '100m', '200Mi'))];
    expect(resourcesOf(compute(identity('max'), pod))).toEqual({
      limits: { cpu: '400m', memory: '400Mi' },
      requests: { cpu: '100m', memory: '200Mi' },
    });
  });

  it('max without one memory limit', () => {
    const pod = [app1, container('app2', { limits: { cpu: '400m' }, requests: { cpu: '100m' } })];
    expect(resourcesOf(compute(identity('max'), pod))).toEqual({
      limits: { cpu: '400m' },
      requests: { cpu: '100m', memory: '100Mi' },
    });
  });

  it('max without one CPU limit', () => {
    const pod = [app1, container('app2', { limits: { memory: '400Mi' }, requests: { memory: '200Mi' } })];
    expect(resourcesOf(compute(identity('max'), pod))).toEqual({
      limits: { memory: '400Mi' },
      requests: { cpu: '50m', memory: '200Mi' },
    });
  });

  it('max with one target without requests: the largest present request', () => {
    const pod = [app1, container('app2', { limits: { cpu: '100m', memory: '150Mi' } })];
    // app2's requests are first defaulted to its limits (Kruise's undefaulted vector would give 50m/100Mi).
    expect(resourcesOf(compute(identity('max'), pod))).toEqual({
      limits: { cpu: '200m', memory: '200Mi' },
      requests: { cpu: '100m', memory: '150Mi' },
    });
    const bare = [app1, container('app2')];
    expect(resourcesOf(compute({ ...identity('max'), resourcesExpr: { requests: { cpu: 'cpu', memory: 'memory' } } }, bare))).toEqual({
      requests: { cpu: '50m', memory: '100Mi' },
    });
  });

  it('sum keeps the format of the first quantity added; max returns the winner unchanged', () => {
    const pod = [
      container('a', { limits: { memory: '1Gi' } }),
      container('b', { limits: { memory: '512Mi' } }),
      container('c', { limits: { memory: '0.5G' } }),
    ];
    const memoryOnly = (mode: string): ResourcesPolicy => ({ ...identity(mode), resourcesExpr: { limits: { memory: 'memory' } } });
    expect(resourcesOf(compute(memoryOnly('sum'), pod.slice(0, 2)))).toEqual({ limits: { memory: '1536Mi' } });
    expect(resourcesOf(compute(memoryOnly('sum'), [pod[2], pod[0]]))).toEqual({ limits: { memory: '1573741824' } });
    expect(resourcesOf(compute(memoryOnly('max'), pod))).toEqual({ limits: { memory: '1Gi' } });
  });

  it('max keeps the first of equal values', () => {
    const policy: ResourcesPolicy = { ...identity('max'), resourcesExpr: { limits: { memory: 'memory' } } };
    const binary = container('a', { limits: { memory: '1Ki' } });
    const decimal = container('b', { limits: { memory: '1024' } });
    expect(resourcesOf(compute(policy, [binary, decimal]))).toEqual({ limits: { memory: '1Ki' } });
    expect(resourcesOf(compute(policy, [decimal, binary]))).toEqual({ limits: { memory: '1024' } });
  });
});

describe('target selection', () => {
  it('excludes SidecarSet container names and classic init containers, keeps native sidecars (Kruise getTargetContainers)', () => {
    const outcome = computeSidecarResources({
      sidecar: sidecar({ targetContainersMode: 'sum', targetContainersNameRegex: '^.*$', resourcesExpr: { requests: { cpu: 'cpu' } } }),
      pod: {
        spec: {
          initContainers: [
            container('init-sidecar1', { requests: { cpu: '1' } }, 'Always'),
            container('plain-init-container', { requests: { cpu: '10' } }),
            container('sidecar-container', { requests: { cpu: '100m' } }, 'Always'),
          ],
          containers: [
            container('app1', { requests: { cpu: '10m' } }),
            container('app2', { requests: { cpu: '1m' } }),
            container('sidecar1', { requests: { cpu: '100' } }),
          ],
        },
      },
      forbiddenNames: new Set(['init-sidecar1', 'sidecar1']),
      limitRanges: [],
    });
    expect(resourcesOf(outcome)).toEqual({ requests: { cpu: '111m' } });
  });

  it('counts a previously injected sidecar whose name is not forbidden', () => {
    const pod = [container('app', { requests: { cpu: '100m' } }), container('old-sidecar', { requests: { cpu: '50m' } })];
    const policy: ResourcesPolicy = {
      targetContainersMode: 'sum',
      targetContainersNameRegex: '',
      resourcesExpr: { requests: { cpu: 'cpu' } },
    };
    expect(resourcesOf(compute(policy, pod))).toEqual({ requests: { cpu: '150m' } });
    expect(resourcesOf(compute(policy, pod, { forbidden: ['old-sidecar'] }))).toEqual({ requests: { cpu: '100m' } });
  });

  it('matches the regex unanchored', () => {
    const policy: ResourcesPolicy = {
      targetContainersMode: 'sum',
      targetContainersNameRegex: 'main',
      resourcesExpr: { requests: { cpu: 'cpu' } },
    };
    const pod = [container('domain-main-2', { requests: { cpu: '1' } }), container('other', { requests: { cpu: '5' } })];
    expect(resourcesOf(compute(policy, pod))).toEqual({ requests: { cpu: '1' } });
  });

  it('reports an invalid regex', () => {
    const policy: ResourcesPolicy = {
      targetContainersMode: 'sum',
      targetContainersNameRegex: '[invalid(regex',
      resourcesExpr: { requests: { cpu: 'cpu' } },
    };
    const outcome = compute(policy, [container('app')]);
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error).toMatch(
      /^failed to get target containers: invalid regex pattern "\[invalid\(regex": error parsing regexp: missing closing \]/,
    );
  });

  it('reports an invalid quantity in a target', () => {
    const outcome = compute(identity('sum'), [container('app', { limits: { cpu: 'lots' } })]);
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error).toContain('container "app" resources.limits[cpu]');
  });
});

describe('evaluation rules', () => {
  const pod = [container('app', { limits: { memory: '1Gi' }, requests: { cpu: '0' } })];

  it('sets no limit for an absent aggregate, even for a constant expression', () => {
    const policy: ResourcesPolicy = {
      targetContainersMode: 'sum',
      targetContainersNameRegex: '.*',
      resourcesExpr: { limits: { cpu: '200m', memory: '200Mi' } },
    };
    expect(resourcesOf(compute(policy, pod))).toEqual({ limits: { memory: '200Mi' } });
  });

  it('evaluates requests with a zero when the aggregate is absent, and a zero sum counts as absent', () => {
    const policy: ResourcesPolicy = {
      targetContainersMode: 'sum',
      targetContainersNameRegex: '.*',
      resourcesExpr: { requests: { cpu: 'cpu + 10m', memory: 'memory*50%' } },
    };
    // cpu requests sum to 0 (absent → zero); memory requests default from the 1Gi limit.
    expect(resourcesOf(compute(policy, pod))).toEqual({ requests: { cpu: '10m', memory: '512Mi' } });
  });

  it('omits a map whose expressions are all empty, and an empty result altogether', () => {
    const policy: ResourcesPolicy = {
      targetContainersMode: 'sum',
      targetContainersNameRegex: '.*',
      resourcesExpr: { limits: { cpu: '', memory: '' }, requests: { cpu: 'cpu' } },
    };
    expect(resourcesOf(compute(policy, pod))).toEqual({ requests: { cpu: '0' } });
    expect(resourcesOf(compute({ ...policy, resourcesExpr: { limits: { cpu: 'cpu' } } }, pod))).toEqual({});
  });

  it('evaluates nothing but requests for a mode outside the enum', () => {
    const policy: ResourcesPolicy = {
      ...identity('avg'),
      resourcesExpr: { limits: { memory: '1Gi' }, requests: { cpu: 'cpu + 1m', memory: '64Mi' } },
    };
    expect(resourcesOf(compute(policy, pod))).toEqual({ requests: { cpu: '1m', memory: '64Mi' } });
  });

  it('turns expression errors into errors naming the field', () => {
    const policy: ResourcesPolicy = { ...identity('sum'), resourcesExpr: { requests: { memory: 'memory - 2Gi' } } };
    expect(compute(policy, pod)).toEqual({
      ok: false,
      error:
        'failed to evaluate memory requests expression: failed to parse expression "memory - 2Gi": calculation result is negative: -1Gi',
    });
    const product: ResourcesPolicy = { ...identity('sum'), resourcesExpr: { limits: { memory: 'memory * memory' } } };
    expect(compute(product, pod)).toEqual({
      ok: false,
      error: 'failed to evaluate memory limits expression: failed to parse expression "memory * memory": multiplication of two quantities',
    });
  });

  it('rounds target quantities up to milli precision first (apiserver defaulting)', () => {
    const policy: ResourcesPolicy = { ...identity('sum'), resourcesExpr: { limits: { cpu: 'cpu' } } };
    expect(
      resourcesOf(compute(policy, [container('a', { limits: { cpu: '0.0001' } }), container('b', { limits: { cpu: '1.0001' } })])),
    ).toEqual({
      limits: { cpu: '1002m' },
    });
  });

  it('accepts numeric quantities as YAML may deliver them', () => {
    const policy: ResourcesPolicy = { ...identity('sum'), resourcesExpr: { limits: { cpu: 'cpu' } } };
    const numeric = { name: 'a', image: 'x', resources: { limits: { cpu: 2 } } } as unknown as Container;
    expect(resourcesOf(compute(policy, [numeric]))).toEqual({ limits: { cpu: '2' } });
  });
});

describe('LimitRange emulation', () => {
  const limitRange = (item: Record<string, unknown>): LimitRange => ({
    metadata: { name: 'defaults' },
    spec: { limits: [{ type: 'Container', ...item }] },
  });
  const policy = identity('sum');

  it('fills missing limits from default and missing requests from defaultRequest', () => {
    const pod = [container('a', full('200m', '200Mi', '100m', '100Mi')), container('b')];
    const ranges = [limitRange({ default: { cpu: '500m', memory: '512Mi' }, defaultRequest: { cpu: '250m', memory: '256Mi' } })];
    expect(resourcesOf(compute(policy, pod, { limitRanges: ranges }))).toEqual({
      limits: { cpu: '700m', memory: '712Mi' },
      requests: { cpu: '350m', memory: '356Mi' },
    });
  });

  it('defaults the LimitRange item itself: default ← max, defaultRequest ← default, then ← min', () => {
    const pod = [container('b')];
    expect(resourcesOf(compute(policy, pod, { limitRanges: [limitRange({ max: { cpu: '2' }, min: { memory: '64Mi' } })] }))).toEqual({
      limits: { cpu: '2' },
      requests: { cpu: '2', memory: '64Mi' },
    });
  });

  it('never overrides what the container (or pod defaulting) already has', () => {
    const pod = [container('b', { limits: { cpu: '100m' } })];
    const ranges = [limitRange({ default: { cpu: '1', memory: '1Gi' }, defaultRequest: { cpu: '500m', memory: '512Mi' } })];
    // requests.cpu was defaulted from the 100m limit before LimitRanger ran
    expect(resourcesOf(compute(policy, pod, { limitRanges: ranges }))).toEqual({
      limits: { cpu: '100m', memory: '1Gi' },
      requests: { cpu: '100m', memory: '512Mi' },
    });
  });

  it('ignores non-Container items; the first LimitRange wins across objects', () => {
    const pod = [container('b')];
    const ranges: LimitRange[] = [
      {
        spec: {
          limits: [
            { type: 'Pod', max: { cpu: '8' } },
            { type: 'Container', default: { cpu: '1' } },
          ],
        },
      },
      limitRange({ default: { cpu: '3', memory: '3Gi' } }),
    ];
    expect(resourcesOf(compute(policy, pod, { limitRanges: ranges }))).toEqual({
      limits: { cpu: '1', memory: '3Gi' },
      requests: { cpu: '1', memory: '3Gi' },
    });
  });

  it('reports an invalid LimitRange quantity', () => {
    const outcome = compute(policy, [container('b')], { limitRanges: [limitRange({ default: { cpu: 'x' } })] });
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error).toContain('LimitRange "defaults".spec.limits[0].default[cpu]');
  });

  it('warns, when no LimitRange is provided, about targets missing a value an expression uses', () => {
    const pod = [container('a', full('1', '1Gi', '1', '1Gi')), container('b', { limits: { cpu: '1' } })];
    const cpuOnly: ResourcesPolicy = { ...policy, resourcesExpr: { limits: { cpu: 'cpu', memory: 'memory' }, requests: { cpu: 'cpu' } } };
    const outcome = compute(cpuOnly, pod, { limitRanges: undefined });
    expect(outcome.ok && outcome.warnings).toEqual([
      expect.stringMatching(/^resourcesPolicy of sidecar "sidecar1": target container "b" has no limits\.memory; a LimitRange/),
    ]);
    expect(compute(cpuOnly, pod, { limitRanges: [] })).toMatchObject({ ok: true, warnings: [] });
    expect(compute(cpuOnly, pod.slice(0, 1), { limitRanges: undefined })).toMatchObject({ ok: true, warnings: [] });
  });
});

describe('RE2 name regex', () => {
  const matches = (pattern: string, name: string): boolean => {
    const compiled = compileNameRegex(pattern);
    if (!compiled.ok) throw new Error(compiled.error);
    return compiled.test(name);
  };
  const rejects = (pattern: string): string => {
    const compiled = compileNameRegex(pattern);
    if (compiled.ok) throw new Error(`expected ${pattern} to be rejected`);
    return compiled.error;
  };

  it.each([
    ['main', 'domain-main-2', true],
    ['^main$', 'domain-main-2', false],
    ['^app.*$', 'app-1', true],
    ['', 'anything', true],
    ['^large.engine.v4$', 'large-engine-v4', true],
    ['^large\\.engine\\.v4$', 'large-engine-v4', false],
    ['a|b', 'xbx', true],
    ['^(web|api)-[0-9]+$', 'api-12', true],
    ['^(web|api)-[0-9]+$', 'api-', false],
    ['^[^-]+$', 'abc', true],
    ['^[^-]+$', 'a-c', false],
    ['^a{2,3}$', 'aaa', true],
    ['^a{2,3}$', 'aaaa', false],
    ['^a{2}$', 'aa', true],
    ['^a{2,}$', 'aaaaa', true],
    ['^a{,2}$', 'a{,2}', true], // not a count: literal
    ['^a{01}$', 'a{01}', true],
    ['^{$', '{', true],
    ['(?i)^APP$', 'app', true],
    ['^(?i:A)pp$', 'app', true],
    ['^(?i:A)PP$', 'app', false],
    ['(?:a(?i)b|C)$', 'xc', true],
    ['^\\d+$', '123', true],
    ['^\\w+$', 'a_b', true],
    ['^\\W$', '-', true],
    ['^[[:alpha:]]+$', 'abc', true],
    ['^[[:^digit:]]+$', 'ab1', false],
    ['^\\pL+$', 'abc', true],
    ['^\\p{Greek}$', 'α', true],
    ['^\\P{L}$', '1', true],
    ['\\bapp\\b', 'my-app', true],
    ['\\Bapp', 'myapp', true],
    ['\\Bapp', 'my-app', false],
    ['\\Aapp\\z', 'app', true],
    ['^\\Qa.b\\E$', 'a.b', true],
    ['^\\Qa.b\\E$', 'axb', false],
    ['^\\x61\\x{62}\\141$', 'aba', true],
    ['^(?P<n>a)(?<m>b)$', 'ab', true],
    ['^[]a]+$', ']a', true],
    ['^[a-]+$', 'a-', true],
    ['^a*?b+?c??$', 'bbc', true],
    ['x*', '', true],
    ['$^', '', true],
    ['(?m)^b$', 'a\nb', true],
    ['^b$', 'a\nb', false],
    ['(?s)a.b', 'a\nb', true],
    ['a.b', 'a\nb', false],
  ])('%j on %j → %s', (pattern, name, expected) => {
    expect(matches(pattern, name)).toBe(expected);
  });

  it.each([
    ['(a)\\1', 'invalid escape sequence'], // backreference
    ['a(?=b)', 'invalid or unsupported Perl syntax'], // lookahead
    ['a(?!b)', 'invalid or unsupported Perl syntax'],
    ['(?<=a)b', 'invalid named capture'], // lookbehind
    ['(?<!a)b', 'invalid named capture'],
    ['a**', 'invalid nested repetition operator'],
    ['a{2}{3}', 'invalid nested repetition operator'],
    ['*a', 'missing argument to repetition operator'],
    ['a|*', 'missing argument to repetition operator'],
    ['(*)', 'missing argument to repetition operator'],
    ['{2}', 'missing argument to repetition operator'],
    ['a{1001}', 'invalid repeat count'],
    ['a{3,2}', 'invalid repeat count'],
    ['(abc', 'missing closing )'],
    ['abc)', 'unexpected )'],
    ['[abc', 'missing closing ]'],
    ['[z-a]', 'invalid character class range'],
    ['[[:nope:]]', 'invalid character class range'],
    ['\\p{Nope}', 'invalid character class range'],
    ['\\8', 'invalid escape sequence'],
    ['\\C', 'invalid escape sequence'],
    ['\\', 'trailing backslash at end of expression'],
    ['(?P<a>x)(?P<a>y)', 'duplicate capture group name'],
    ['(?P<>x)', 'invalid named capture'],
    ['(?-)', 'invalid or unsupported Perl syntax'],
    ['(?i-)', 'invalid or unsupported Perl syntax'],
    ['(?x)', 'invalid or unsupported Perl syntax'],
  ])('%j is rejected (%s)', (pattern, code) => {
    expect(rejects(pattern)).toContain(code);
  });

  it('accepts the empty flag group and lazy operators like Go', () => {
    expect(matches('(?)a', 'a')).toBe(true);
    expect(matches('(?i-s:A.)', 'a\n')).toBe(false);
  });

  it('runs hostile patterns in linear time', () => {
    const name = 'a'.repeat(63);
    const start = performance.now();
    for (const pattern of ['(a|a)*b', '(a+)+$b', '(a*)*b', '.*.*.*.*.*.*.*.*.*.*!', '(x+x+)+y', '^(a|aa)*c$', '(.*a){20}z']) {
      expect(matches(pattern, name)).toBe(false);
    }
    expect(matches('(a|a)*', name + 'b')).toBe(true);
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it('refuses patterns that expand too far instead of working on them', () => {
    const start = performance.now();
    // Go's limits (regexp/syntax parse.go): repetition past 1000 in all, program size, nesting depth 1000.
    expect(rejects('((a{1000}){1000}){1000}')).toContain('invalid repeat count');
    expect(rejects('((((){1000}){1000}){1000}){1000}')).toContain('expression too large');
    expect(rejects('('.repeat(1000) + ')'.repeat(1000))).toContain('nests too deeply');
    expect(rejects('a'.repeat(5000))).toContain('longer than');
    expect(performance.now() - start).toBeLessThan(2000);
  });

  it('agrees with JavaScript RegExp on the syntax both share', () => {
    const atom = fc.constantFrom('a', 'b', '-', '.', '[ab]', '[^a]', '\\d', '[0-9]', '^', '$', '\\b');
    const pattern = fc.letrec<{ node: string }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        atom,
        fc.tuple(tie('node'), tie('node')).map(([x, y]) => x + y),
        fc.tuple(tie('node'), tie('node')).map(([x, y]) => `(${x}|${y})`),
        fc.tuple(tie('node'), fc.constantFrom('*', '+', '?', '{1,2}', '{2}', '*?')).map(([x, op]) => `(?:${x})${op}`),
      ),
    })).node;
    fc.assert(
      fc.property(pattern, fc.stringMatching(/^[ab0-9-]{0,8}$/), (source, name) => {
        const compiled = compileNameRegex(source);
        expect(compiled.ok).toBe(true);
        expect(compiled.ok && compiled.test(name)).toBe(new RegExp(source).test(name));
      }),
      { numRuns: 500 },
    );
  });
});
