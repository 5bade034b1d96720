// Where Kruise's pod webhook puts sidecars and init containers: podInjectPolicy, replacement of
// same-named containers, init-container sorting, native sidecars and hot upgrade.
import { describe, expect, it } from 'vitest';
import type { Obj } from '../helpers/krm.js';
import {
  APP_LABELS,
  SHAPES,
  annotationJson,
  asPod,
  byName,
  config,
  envNames,
  list,
  names,
  podSpec1,
  render,
  sidecarSet1,
  sidecarSetWithInitContainer,
  type Shape,
  webhookHashes,
} from './fixtures.js';

const HASH = 'kruise.io/sidecarset-hash';
const HASH_WITHOUT_IMAGE = 'kruise.io/sidecarset-hash-without-image';
const INJECTED_LIST = 'kruise.io/sidecarset-injected-list';
const WORKING_HOT_UPGRADE = 'kruise.io/sidecarset-working-hotupgrade-container';

// Kruise sorts the built sidecars by name before merging; in the webhook that sort is the
// EnableSortSidecarContainerByName feature gate, switched on here.
const mergeSet = (sidecars: Obj[]): Obj =>
  config(
    [
      {
        apiVersion: 'apps.kruise.io/v1beta1',
        kind: 'SidecarSet',
        metadata: { name: 'merge' },
        spec: { selector: { matchLabels: { ...APP_LABELS } }, containers: sidecars },
      },
    ],
    { featureGates: { EnableSortSidecarContainerByName: true } },
  );
const sidecar2 = { name: 'sidecar-2', image: 'sidecar:2', podInjectPolicy: 'AfterAppContainer' };
const sidecar1 = { name: 'sidecar-1', image: 'sidecar:1', podInjectPolicy: 'AfterAppContainer' };
const newSidecar1 = { name: 'new-sidecar-1', image: 'new-sidecar:1', podInjectPolicy: 'BeforeAppContainer' };

describe.each(SHAPES)('on a %s', (_kind, shape) => {
  it('TestSidecarSetPodInjectPolicy', () => {
    const { out, spec } = render(shape({ labels: APP_LABELS, spec: podSpec1() }), sidecarSet1());
    expect(out.exitCode).toBe(0);
    expect(names(spec.containers)).toEqual(['dns-f', 'nginx', 'log-agent']);
    expect(names(spec.initContainers)).toEqual(['init-0', 'init-1', 'init-2']);
    for (const injected of spec.initContainers.slice(1)) {
      expect(injected.env).toContainEqual({ name: 'IS_INJECTED', value: 'true' });
    }
    expect(envNames(spec.initContainers[0])).not.toContain('IS_INJECTED');
  });

  describe('TestMergeSidecarContainers', () => {
    const appOnly = [{ name: 'app-container', image: 'app:1' }];
    const appBetweenSidecars = [
      { name: 'sidecar-1', image: 'old:1' },
      { name: 'app-container', image: 'app:1' },
      { name: 'sidecar-2', image: 'old:2' },
    ];

    it.each([
      [
        'origins not sidecar, and inject new sidecar',
        appOnly,
        [sidecar2, sidecar1, newSidecar1],
        ['new-sidecar-1', 'app-container', 'sidecar-1', 'sidecar-2'],
      ],
      [
        'origins not sidecar, and inject new sidecar, only before app container',
        appOnly,
        [newSidecar1],
        ['new-sidecar-1', 'app-container'],
      ],
      [
        'origins not sidecar, and inject new sidecar, only after app container',
        appOnly,
        [sidecar2, sidecar1],
        ['app-container', 'sidecar-1', 'sidecar-2'],
      ],
      [
        'origin have sidecars, sidecar no new containers',
        appBetweenSidecars,
        [sidecar2, sidecar1],
        ['sidecar-1', 'app-container', 'sidecar-2'],
      ],
      [
        'origin have sidecars, sidecar have new containers',
        appBetweenSidecars,
        [sidecar2, sidecar1, newSidecar1],
        ['new-sidecar-1', 'sidecar-1', 'app-container', 'sidecar-2'],
      ],
    ] as [string, Obj[], Obj[], string[]][])('%s', (_case, podContainers, sidecars, expected) => {
      const { out, spec } = render(shape({ labels: APP_LABELS, spec: { containers: structuredClone(podContainers) } }), mergeSet(sidecars));
      expect(out.exitCode).toBe(0);
      expect(names(spec.containers)).toEqual(expected);
      // A same-named pod container is replaced whole, in place.
      for (const sidecar of sidecars) expect(byName(spec.containers, sidecar.name)?.image).toBe(sidecar.image);
    });
  });

  describe('TestInjectInitContainerSort', () => {
    const initSet = (initContainers: Obj[]): Obj => ({
      apiVersion: 'apps.kruise.io/v1beta1',
      kind: 'SidecarSet',
      metadata: { name: 'init-sort' },
      spec: { selector: { matchLabels: { ...APP_LABELS } }, initContainers },
    });
    const init = (name: string, podInjectPolicy?: string) => ({
      name,
      image: 'busybox:1',
      ...(podInjectPolicy ? { podInjectPolicy } : {}),
    });
    const appInits = [init('app1-init'), init('app2-init')];
    const run = (shapeOf: Shape, podInits: Obj[], injected: Obj[]) =>
      render(
        shapeOf({ labels: APP_LABELS, spec: { initContainers: podInits, containers: [{ name: 'main', image: 'main:1' }] } }),
        initSet(injected),
      );

    it('origins nil, inject containers(a, b, c)', () => {
      const { out, spec } = run(shape, [], [init('a-init'), init('c-init'), init('b-init')]);
      expect(out.exitCode).toBe(0);
      expect(names(spec.initContainers)).toEqual(['a-init', 'b-init', 'c-init']);
    });

    it('origin init, inject containers(a, b, c)', () => {
      const { out, spec } = run(shape, appInits, [init('a-init'), init('c-init'), init('b-init')]);
      expect(out.exitCode).toBe(0);
      expect(names(spec.initContainers)).toEqual(['app1-init', 'app2-init', 'a-init', 'b-init', 'c-init']);
    });

    it('origins nil, inject containers(a, b, c)-2', () => {
      const injected = [init('a-init', 'AfterAppContainer'), init('c-init', 'BeforeAppContainer'), init('b-init', 'BeforeAppContainer')];
      const { out, spec } = run(shape, appInits, injected);
      expect(out.exitCode).toBe(0);
      expect(names(spec.initContainers)).toEqual(['b-init', 'c-init', 'app1-init', 'app2-init', 'a-init']);
    });
  });

  describe('TestInjectInitContainer', () => {
    it('inject initContainers-1', () => {
      // Native sidecars (restartPolicy Always) cannot be updated in place: the SidecarSet webhook
      // rejects them with the default RollingUpdate strategy, so both SidecarSets use NotUpdate.
      const first = sidecarSetWithInitContainer();
      first.metadata.name = 'sidecarset-1';
      first.spec.updateStrategy = { type: 'NotUpdate' };
      Object.assign(first.spec.initContainers[0], { name: 'init-1', restartPolicy: 'Always' });
      const second = sidecarSetWithInitContainer();
      second.metadata.name = 'sidecarset-2';
      second.spec.updateStrategy = { type: 'NotUpdate' };
      Object.assign(second.spec.initContainers[0], {
        name: 'hot-init',
        restartPolicy: 'Always',
        upgradeStrategy: { upgradeType: 'HotUpgrade', hotUpgradeEmptyImage: 'empty:v1' },
      });

      const { out, spec, meta } = render(shape({ labels: APP_LABELS, spec: podSpec1() }), list(first, second));
      expect(out.exitCode).toBe(0);

      expect(spec.initContainers).toHaveLength(4);
      expect(names(spec.initContainers)).toEqual(['init-0', 'hot-init-1', 'hot-init-2', 'init-1']);
      expect(names(spec.volumes)).toEqual(['volume-a', 'volume-b', 'volume-1']);

      // Kruise's own annotations, exactly; this function's step record comes on top (inject/ownership.ts).
      expect(
        Object.keys(meta.annotations)
          .filter((k) => !k.startsWith('inject-sidecarsets.kpt.dev/'))
          .sort(),
      ).toEqual(
        [
          HASH,
          HASH_WITHOUT_IMAGE,
          INJECTED_LIST,
          WORKING_HOT_UPGRADE,
          'version.sidecarset.kruise.io/hot-init-1',
          'versionalt.sidecarset.kruise.io/hot-init-1',
          'version.sidecarset.kruise.io/hot-init-2',
          'versionalt.sidecarset.kruise.io/hot-init-2',
        ].sort(),
      );
      for (const key of [HASH, HASH_WITHOUT_IMAGE]) {
        const entries = annotationJson(meta, key);
        expect(Object.keys(entries).sort()).toEqual(['sidecarset-1', 'sidecarset-2']);
        const pick = (set: Obj) => (key === HASH ? webhookHashes(set).hash : webhookHashes(set).hashWithoutImage);
        expect(entries['sidecarset-1']).toEqual({
          updateTimestamp: expect.any(String),
          hash: pick(first),
          sidecarSetName: 'sidecarset-1',
          sidecarList: ['init-1'],
        });
        expect(entries['sidecarset-2']).toEqual({
          updateTimestamp: expect.any(String),
          hash: pick(second),
          sidecarSetName: 'sidecarset-2',
          sidecarList: ['hot-init'],
        });
      }
      expect(meta.annotations[INJECTED_LIST]).toBe('sidecarset-1,sidecarset-2');
      expect(annotationJson(meta, WORKING_HOT_UPGRADE)).toEqual({ 'hot-init': 'hot-init-1' });
      expect(meta.annotations['version.sidecarset.kruise.io/hot-init-1']).toBe('1');
      expect(meta.annotations['versionalt.sidecarset.kruise.io/hot-init-1']).toBe('0');
      expect(meta.annotations['version.sidecarset.kruise.io/hot-init-2']).toBe('0');
      expect(meta.annotations['versionalt.sidecarset.kruise.io/hot-init-2']).toBe('1');
    });
  });

  it('TestInjectHotUpgradeSidecar', () => {
    const set = sidecarSet1();
    set.spec.containers[0].upgradeStrategy = { upgradeType: 'HotUpgrade', hotUpgradeEmptyImage: 'busy:hotupgrade-empty' };
    const { out, spec, meta } = render(shape({ labels: APP_LABELS, spec: podSpec1() }), set);
    expect(out.exitCode).toBe(0);

    expect(spec.containers).toHaveLength(4);
    expect(names(spec.containers)).toEqual(['dns-f-1', 'dns-f-2', 'nginx', 'log-agent']);
    expect(spec.containers[0].image).toBe('dns-f-image:1.0');
    expect(spec.containers[1].image).toBe('busy:hotupgrade-empty');

    const { hash, hashWithoutImage } = webhookHashes(set);
    expect(annotationJson(meta, HASH).sidecarset1.hash).toBe(hash);
    expect(annotationJson(meta, HASH_WITHOUT_IMAGE).sidecarset1.hash).toBe(hashWithoutImage);
    expect(meta.annotations[INJECTED_LIST]).toBe('sidecarset1');
    expect(annotationJson(meta, WORKING_HOT_UPGRADE)['dns-f']).toBe('dns-f-1');
    expect(meta.annotations['version.sidecarset.kruise.io/dns-f-1']).toBe('1');
    expect(meta.annotations['version.sidecarset.kruise.io/dns-f-2']).toBe('0');
  });
});

it('TestMergeSidecarContainers/origin no sidecar, sidecar have new containers', () => {
  // A pod without containers gets through the webhook (validation runs after it) and comes out
  // valid; a Deployment without containers is rejected before any pod exists, so Pod only.
  const { out, spec } = render(asPod({ labels: APP_LABELS, spec: { containers: [] } }), mergeSet([sidecar2, sidecar1, newSidecar1]));
  expect(out.exitCode).toBe(0);
  expect(names(spec.containers)).toEqual(['new-sidecar-1', 'sidecar-1', 'sidecar-2']);
});
