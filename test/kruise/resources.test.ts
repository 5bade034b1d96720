// resourcesPolicy (pkg/webhook/pod/mutating/sidecarset_resources_test.go) end to end: a sidecar
// sized from the pod's containers.
//
// Kruise's tests hand the policy a pod straight from Go structs. In a cluster the webhook sees the
// pod after the apiserver's defaulting, which copies every limit without a request into requests;
// where that changes a case, the case asserts what the cluster would produce and says so.
// Kruise also names containers `large.engine.v4`: not a DNS label, so the apiserver would reject
// that pod. They are `large-engine-v4` here; Kruise's regexes match both spellings.
import { describe, expect, it } from 'vitest';
import type { Obj } from '../helpers/krm.js';
import { SHAPES, byName, errors, render } from './fixtures.js';

const LABELS = { app: 'web' };

const quantities = (cpu?: string, memory?: string): Obj => ({ ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) });
const resources = (limits: [string?, string?], requests?: [string?, string?]): Obj => {
  const out: Obj = {};
  const l = quantities(...limits);
  if (Object.keys(l).length) out.limits = l;
  const r = requests ? quantities(...requests) : {};
  if (Object.keys(r).length) out.requests = r;
  return out;
};
const container = (name: string, res: Obj, extra: Obj = {}) => ({ name, image: 'nginx:1.14.2', resources: res, ...extra });

interface Exprs {
  limits?: { cpu?: string; memory?: string };
  requests?: { cpu?: string; memory?: string };
}
const policySet = (
  mode: string,
  regex: string,
  resourcesExpr: Exprs,
  sidecar: Obj = { name: 'sidecar1', image: 'sidecar:latest' },
  asNativeInit = false,
): Obj => {
  const sized = { ...sidecar, resourcesPolicy: { targetContainersMode: mode, targetContainersNameRegex: regex, resourcesExpr } };
  return {
    apiVersion: 'apps.kruise.io/v1beta1',
    kind: 'SidecarSet',
    metadata: { name: 'resources' },
    spec: {
      selector: { matchLabels: LABELS },
      // A native sidecar cannot be rolled in place: the SidecarSet webhook demands NotUpdate.
      ...(asNativeInit
        ? { initContainers: [{ ...sized, restartPolicy: 'Always' }], updateStrategy: { type: 'NotUpdate' } }
        : { containers: [sized] }),
    },
  };
};

describe.each(SHAPES)('on a %s', (_kind, shape) => {
  const size = (podSpec: Obj, set: Obj, sidecarName = 'sidecar1') => {
    const { out, spec } = render(shape({ labels: LABELS, spec: podSpec }), set);
    const sidecar = byName(spec.containers, sidecarName) ?? byName(spec.initContainers, sidecarName);
    return { out, res: sidecar?.resources ?? {} };
  };

  describe('TestApplyResourcesPolicy', () => {
    const twoApps = (first: Obj, second: Obj, names: [string, string] = ['app1', 'app2']) => ({
      containers: [container(names[0], first), container(names[1], second)],
    });
    const standard = () => twoApps(resources(['200m', '200Mi'], ['50m', '100Mi']), resources(['400m', '400Mi'], ['100m', '200Mi']));
    const engines = () =>
      twoApps(resources(['200m', '200Mi'], ['50m', '100Mi']), resources(['400m', '400Mi'], ['100m', '200Mi']), [
        'large-engine-v4',
        'large-engine-v8',
      ]);

    it('sum mode with percentage - basic', () => {
      const { out, res } = size(
        standard(),
        policySet('sum', '.*', { limits: { cpu: 'cpu*50%', memory: '200Mi' }, requests: { cpu: 'cpu*50%', memory: '100Mi' } }),
      );
      expect(out.exitCode).toBe(0);
      expect(res).toEqual({ limits: { cpu: '300m', memory: '200Mi' }, requests: { cpu: '75m', memory: '100Mi' } });
    });

    it('max mode with expression', () => {
      const exprs = { limits: { cpu: 'max(cpu*50%, 50m)', memory: '200Mi' }, requests: { cpu: 'max(cpu*50%, 50m)', memory: '100Mi' } };
      const { out, res } = size(engines(), policySet('max', '^large.engine.v.*$', exprs));
      expect(out.exitCode).toBe(0);
      expect(res).toEqual({ limits: { cpu: '200m', memory: '200Mi' }, requests: { cpu: '50m', memory: '100Mi' } });
    });

    it('regex filter - specific container', () => {
      const exprs = { limits: { cpu: 'max(cpu*50%, 50m)', memory: '200Mi' }, requests: { cpu: 'max(cpu*50%, 50m)', memory: '100Mi' } };
      const { out, res } = size(engines(), policySet('sum', '^large.engine.v4$', exprs));
      expect(out.exitCode).toBe(0);
      expect(res).toEqual({ limits: { cpu: '100m', memory: '200Mi' }, requests: { cpu: '50m', memory: '100Mi' } });
    });

    it('no matching containers - should error', () => {
      const { out } = size(
        { containers: [container('app1', resources(['200m']))] },
        policySet('sum', '^nonexistent$', { limits: { cpu: 'cpu*50%' } }),
      );
      expect(out.exitCode).toBe(1);
      expect(errors(out).some((r) => /nonexistent/.test(r.message))).toBe(true);
    });

    it('sum mode - one container without CPU limit (unlimited)', () => {
      const podSpec = twoApps(resources(['200m', '200Mi'], ['100m', '100Mi']), resources([undefined, '400Mi'], ['50m', '200Mi']));
      const exprs = { limits: { cpu: 'cpu*50%', memory: 'memory*30%' }, requests: { cpu: 'cpu*30%', memory: 'memory*20%' } };
      const { out, res } = size(podSpec, policySet('sum', '.*', exprs));
      expect(out.exitCode).toBe(0);
      expect(res).toEqual({ limits: { memory: '180Mi' }, requests: { cpu: '45m', memory: '60Mi' } });
    });

    it('max mode - one container without Memory limit (unlimited)', () => {
      const podSpec = twoApps(resources(['200m', '200Mi'], ['100m', '100Mi']), resources(['400m'], ['200m']));
      const exprs = { limits: { cpu: 'cpu*40%', memory: 'memory*30%' }, requests: { cpu: 'cpu*25%', memory: 'memory*20%' } };
      const { out, res } = size(podSpec, policySet('max', '.*', exprs));
      expect(out.exitCode).toBe(0);
      expect(res).toEqual({ limits: { cpu: '160m' }, requests: { cpu: '50m', memory: '20Mi' } });
    });

    it('sum mode - container without requests (treated as 0): in a cluster its limits are its requests', () => {
      // Kruise expects requests 30m / 20Mi (app2's requests as 0). The apiserver gives app2
      // requests equal to its limits (400m / 400Mi) before the webhook runs: (100m+400m)*30%,
      // (100Mi+400Mi)*20%.
      const podSpec = twoApps(resources(['200m', '200Mi'], ['100m', '100Mi']), resources(['400m', '400Mi']));
      const exprs = { limits: { cpu: 'cpu*50%', memory: 'memory*30%' }, requests: { cpu: 'cpu*30%', memory: 'memory*20%' } };
      const { out, res } = size(podSpec, policySet('sum', '.*', exprs));
      expect(out.exitCode).toBe(0);
      expect(res).toEqual({ limits: { cpu: '300m', memory: '180Mi' }, requests: { cpu: '150m', memory: '100Mi' } });
    });

    it('init-container with resource policy (native sidecar)', () => {
      // Kruise's pod names a classic init container and a container both `app2`, which the
      // apiserver refuses; the classic one is `app2-init` here (still matching, still ignored).
      const podSpec = {
        initContainers: [
          container('app1', resources(['400m', '800Mi'], ['200m', '400Mi']), { restartPolicy: 'Always' }),
          container('app2-init', resources(['400m', '800Mi'], ['200m', '400Mi'])),
        ],
        containers: [container('app2', resources(['600m', '1200Mi'], ['300m', '600Mi']))],
      };
      const exprs = {
        limits: { cpu: 'max(cpu*30%, 50m)', memory: 'max(memory*25%, 100Mi)' },
        requests: { cpu: 'cpu*20%', memory: 'memory*15%' },
      };
      const { out, res } = size(
        podSpec,
        policySet('sum', '^app.*$', exprs, { name: 'init-sidecar', image: 'sidecar:latest' }, true),
        'init-sidecar',
      );
      expect(out.exitCode).toBe(0);
      expect(res).toEqual({ limits: { cpu: '300m', memory: '500Mi' }, requests: { cpu: '100m', memory: '150Mi' } });
    });
  });

  // The aggregates themselves, read off a sidecar whose expressions are the bare variables.
  const identity = { limits: { cpu: 'cpu', memory: 'memory' }, requests: { cpu: 'cpu', memory: 'memory' } };
  const aggregate = (mode: string, first: Obj, second: Obj) =>
    size({ containers: [container('app1', first), container('app2', second)] }, policySet(mode, '.*', identity));

  describe('TestAggregateResourcesBySum', () => {
    it('all containers have limits', () => {
      const { out, res } = aggregate(
        'sum',
        resources(['200m', '200Mi'], ['50m', '100Mi']),
        resources(['400m', '400Mi'], ['100m', '200Mi']),
      );
      expect(out.exitCode).toBe(0);
      expect(res).toEqual({ limits: { cpu: '600m', memory: '600Mi' }, requests: { cpu: '150m', memory: '300Mi' } });
    });

    it('one container without CPU limit - should be unlimited', () => {
      const { out, res } = aggregate(
        'sum',
        resources(['200m', '200Mi'], ['50m', '100Mi']),
        resources([undefined, '400Mi'], ['100m', '200Mi']),
      );
      expect(out.exitCode).toBe(0);
      expect(res).toEqual({ limits: { memory: '600Mi' }, requests: { cpu: '150m', memory: '300Mi' } });
    });

    it('container without requests - in a cluster its limits are its requests', () => {
      // Kruise: requests 50m / 100Mi. Defaulted app2 requests 400m / 400Mi are summed in.
      const { out, res } = aggregate('sum', resources(['200m', '200Mi'], ['50m', '100Mi']), resources(['400m', '400Mi']));
      expect(out.exitCode).toBe(0);
      expect(res).toEqual({ limits: { cpu: '600m', memory: '600Mi' }, requests: { cpu: '450m', memory: '500Mi' } });
    });
  });

  describe('TestAggregateResourcesByMax', () => {
    it('all containers have limits', () => {
      const { out, res } = aggregate(
        'max',
        resources(['200m', '200Mi'], ['50m', '100Mi']),
        resources(['400m', '400Mi'], ['100m', '200Mi']),
      );
      expect(out.exitCode).toBe(0);
      expect(res).toEqual({ limits: { cpu: '400m', memory: '400Mi' }, requests: { cpu: '100m', memory: '200Mi' } });
    });

    it('one container without Memory limit - should be unlimited', () => {
      const { out, res } = aggregate('max', resources(['200m', '200Mi'], ['50m', '100Mi']), resources(['400m'], ['100m']));
      expect(out.exitCode).toBe(0);
      expect(res).toEqual({ limits: { cpu: '400m' }, requests: { cpu: '100m', memory: '100Mi' } });
    });

    it('one container without Cpu limit - should be unlimited', () => {
      const { out, res } = aggregate(
        'max',
        resources(['200m', '200Mi'], ['50m', '100Mi']),
        resources([undefined, '400Mi'], [undefined, '200Mi']),
      );
      expect(out.exitCode).toBe(0);
      expect(res).toEqual({ limits: { memory: '400Mi' }, requests: { cpu: '50m', memory: '200Mi' } });
    });

    it('container without requests - in a cluster its limits are its requests', () => {
      // Kruise: requests 50m / 100Mi. Defaulted app2 requests are 100m / 150Mi, the larger ones.
      const { out, res } = aggregate('max', resources(['200m', '200Mi'], ['50m', '100Mi']), resources(['100m', '150Mi']));
      expect(out.exitCode).toBe(0);
      expect(res).toEqual({ limits: { cpu: '200m', memory: '200Mi' }, requests: { cpu: '100m', memory: '150Mi' } });
    });
  });

  it('TestGetTargetContainers', () => {
    // Distinct CPU requests (powers of two) tell which containers were summed: the native sidecar
    // (1m), app1 (2m) and app2 (4m); not the SidecarSet's own init-sidecar1 (16m) or sidecar1 (8m),
    // not the classic init container (32m).
    const requested = (name: string, milli: number, extra: Obj = {}) => container(name, { requests: { cpu: `${milli}m` } }, extra);
    const podSpec = {
      initContainers: [
        requested('init-sidecar1', 16),
        requested('plain-init-container', 32),
        requested('sidecar-container', 1, { restartPolicy: 'Always' }),
      ],
      containers: [requested('app1', 2), requested('app2', 4), requested('sidecar1', 8)],
    };
    const set: Obj = {
      apiVersion: 'apps.kruise.io/v1beta1',
      kind: 'SidecarSet',
      metadata: { name: 'test-sidecarset' },
      spec: {
        selector: { matchLabels: LABELS },
        initContainers: [{ name: 'init-sidecar1', image: 'init:1' }],
        containers: [
          {
            name: 'sidecar1',
            image: 'sidecar:1',
            resourcesPolicy: {
              targetContainersMode: 'sum',
              targetContainersNameRegex: '^.*$',
              resourcesExpr: { requests: { cpu: 'cpu' } },
            },
          },
        ],
      },
    };
    const { out, res } = size(podSpec, set);
    expect(out.exitCode).toBe(0);
    expect(res).toEqual({ requests: { cpu: '7m' } });
  });

  describe('TestEvaluateResourceExpression', () => {
    // One app container holds the aggregate; the sidecar's result is read from the pod.
    const evaluate = (appResources: Obj, exprs: Exprs) =>
      size({ containers: [container('app', appResources)] }, policySet('sum', '^app$', exprs));

    it('empty expression with isLimit=true should return nil (unlimited)', () => {
      const { out, res } = evaluate(resources(['100m']), { limits: { cpu: '' }, requests: { cpu: '10m' } });
      expect(out.exitCode).toBe(0);
      expect(res.limits?.cpu).toBeUndefined();
    });
    // 'empty expression with isLimit=false should return 0' is not observable on a pod: the policy
    // only evaluates non-empty request expressions.

    it.each([
      ['percentage expression - cpu*50%', resources(['200m']), { limits: { cpu: 'cpu*50%' } }, 'limits', 'cpu', '100m'],
      [
        'percentage expression - memory*30%',
        resources([undefined, '600Mi']),
        { limits: { memory: 'memory*30%' } },
        'limits',
        'memory',
        '180Mi',
      ],
      ['max expression - max(cpu*50%, 100m)', resources(['150m']), { limits: { cpu: 'max(cpu*50%, 100m)' } }, 'limits', 'cpu', '100m'],
      [
        'max expression with higher percentage - max(cpu*50%, 100m)',
        resources(['400m']),
        { limits: { cpu: 'max(cpu*50%, 100m)' } },
        'limits',
        'cpu',
        '200m',
      ],
      ['addition expression - cpu + 50m', resources(['100m']), { limits: { cpu: 'cpu + 50m' } }, 'limits', 'cpu', '150m'],
      [
        'complex expression - max(memory*20% + 100Mi, 200Mi)',
        resources([undefined, '800Mi']),
        { limits: { memory: 'max(memory*20% + 100Mi, 200Mi)' } },
        'limits',
        'memory',
        '260Mi',
      ],
      ['number result - constant value 500m', resources(['100m']), { limits: { cpu: '500m' } }, 'limits', 'cpu', '500m'],
      ['memory constant - 1Gi', resources([undefined, '500Mi']), { limits: { memory: '1Gi' } }, 'limits', 'memory', '1Gi'],
      ['zero aggregated value with isLimit=false (request)', {}, { requests: { cpu: 'cpu*50%' } }, 'requests', 'cpu', '0'],
      [
        'percentage of memory request',
        resources([], [undefined, '400Mi']),
        { requests: { memory: 'memory*25%' } },
        'requests',
        'memory',
        '100Mi',
      ],
      ['number cpu', resources([], ['2']), { requests: { cpu: '1' } }, 'requests', 'cpu', '1'],
      ['number memory', resources([], [undefined, '2Mi']), { requests: { memory: '1' } }, 'requests', 'memory', '1'],
    ] as [string, Obj, Exprs, 'limits' | 'requests', 'cpu' | 'memory', string][])(
      '%s',
      (_case, appResources, exprs, section, resource, expected) => {
        const { out, res } = evaluate(appResources, exprs);
        expect(out.exitCode).toBe(0);
        expect(res[section]?.[resource]).toBe(expected);
      },
    );

    it('invalid expression should return error', () => {
      // The SidecarSet webhook evaluates every expression once: this one never gets admitted.
      const { out, res } = evaluate(resources(['100m']), { limits: { cpu: 'cpu * invalid' } });
      expect(out.exitCode).toBe(1);
      expect(errors(out).some((r) => r.resourceRef?.kind === 'SidecarSet')).toBe(true);
      expect(res).toEqual({});
    });
  });
});
