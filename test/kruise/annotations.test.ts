// What Kruise's pod webhook writes into pod annotations: the hash maps, the injected list, and
// patchPodMetadata (with the whitelist that guards it).
import { describe, expect, it } from 'vitest';
import type { Obj } from '../helpers/krm.js';
import {
  APP_LABELS,
  SHAPES,
  annotationJson,
  errors,
  list,
  names,
  podSpec1,
  render,
  sidecarSet1,
  sidecarSet3,
  sidecarSetWithTransferEnv,
  webhookHashes,
} from './fixtures.js';

const HASH = 'kruise.io/sidecarset-hash';
const HASH_WITHOUT_IMAGE = 'kruise.io/sidecarset-hash-without-image';
const INJECTED_LIST = 'kruise.io/sidecarset-injected-list';

/**
 * The whitelist ConfigMap a cluster needs before it accepts any SidecarSet with patchPodMetadata
 * (feature gate SidecarSetPatchPodMetadataDefaultsAllowed is off by default).
 */
const whitelistConfigMap = (rules?: Obj[]): Obj => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'kruise-configuration', namespace: 'kruise-system' },
  data: rules ? { SidecarSet_PatchPodMetadata_WhiteList: JSON.stringify({ rules }) } : {},
});
const allowKeys = whitelistConfigMap([{ allowedAnnotationKeyExprs: ['^key'] }]);

/**
 * Kruise's sidecarSet3 reuses the container names of sidecarSet1 and sidecarset2 with an
 * overlapping selector; the SidecarSet validating webhook rejects such a second SidecarSet
 * ("container dns-f already exist"), so where both must exist its containers are renamed.
 */
function sidecarSet3Renamed(): Obj {
  const set = sidecarSet3();
  for (const container of set.spec.containers) container.name = `${container.name}-3`;
  return set;
}

describe.each(SHAPES)('on a %s', (_kind, shape) => {
  describe('TestSidecarSetHashInject', () => {
    const unmatched = () => {
      const set = sidecarSet1();
      set.spec.selector.matchLabels.app = 'doesnt-match';
      return set;
    };

    it('only the matching SidecarSets get hash entries, with the hashes of their SidecarSets', () => {
      const second = sidecarSetWithTransferEnv();
      const third = sidecarSet3Renamed();
      const { out, meta } = render(shape({ labels: APP_LABELS, spec: podSpec1() }), list(unmatched(), second, third));
      expect(out.exitCode).toBe(0);
      const hashes = annotationJson(meta, HASH);
      expect(Object.keys(hashes).sort()).toEqual(['sidecarset2', 'sidecarset3']);
      expect(hashes.sidecarset2.hash).toBe(webhookHashes(second).hash);
      expect(hashes.sidecarset3.hash).toBe(webhookHashes(third).hash);
    });

    it('as Kruise writes it, sidecarset2 and sidecarset3 both define dns-f: a conflict the cluster rejects', () => {
      const { out } = render(
        shape({ labels: APP_LABELS, spec: podSpec1() }),
        list(unmatched(), sidecarSetWithTransferEnv(), sidecarSet3()),
      );
      expect(out.exitCode).toBe(1);
      expect(errors(out).some((r) => /dns-f/.test(r.message) && /sidecarset2|sidecarset3/.test(r.message))).toBe(true);
    });

    it('a hash annotation given on the SidecarSet is replaced by the one the SidecarSet webhook computes', () => {
      const second = sidecarSetWithTransferEnv();
      second.metadata.annotations = { [HASH]: 'c4k2dbb95d' };
      const { out, meta } = render(shape({ labels: APP_LABELS, spec: podSpec1() }), second);
      expect(out.exitCode).toBe(0);
      expect(annotationJson(meta, HASH).sidecarset2.hash).toBe(webhookHashes(sidecarSetWithTransferEnv()).hash);
    });
  });

  describe('TestSidecarSetNameInject', () => {
    it('both matching SidecarSets are listed, sorted', () => {
      const { out, meta } = render(shape({ labels: APP_LABELS, spec: podSpec1() }), list(sidecarSet1(), sidecarSet3Renamed()));
      expect(out.exitCode).toBe(0);
      expect(meta.annotations[INJECTED_LIST]).toBe('sidecarset1,sidecarset3');
    });

    it('as Kruise writes it, sidecarset1 and sidecarset3 both define dns-f and log-agent: a conflict the cluster rejects', () => {
      const { out } = render(shape({ labels: APP_LABELS, spec: podSpec1() }), list(sidecarSet1(), sidecarSet3()));
      expect(out.exitCode).toBe(1);
      expect(errors(out).some((r) => /dns-f|log-agent/.test(r.message))).toBe(true);
    });
  });

  it('TestPodSidecarSetHashCompatibility', () => {
    // Kruise only checks that the legacy name→hash form parses; end to end, a pod carrying it gets
    // its entries back in the object form next to the new SidecarSet's.
    const legacyHash = 'bv6d2fbw97wz8xx5x4v4wddwbd5z744wcf7c786dd4dvxvd5w6w424df7vx47989';
    const legacyWithoutImage = '54x5977vf9zz4248w7v44456zf655b8bcffv7x74w88f6dwb994fw48b8f9b8959';
    const annotations = {
      [HASH]: JSON.stringify({ 'sidecarset-test': legacyHash }),
      [HASH_WITHOUT_IMAGE]: JSON.stringify({ 'sidecarset-test': legacyWithoutImage }),
    };
    const { out, meta } = render(shape({ labels: APP_LABELS, spec: podSpec1(), annotations }), sidecarSet1());
    expect(out.exitCode).toBe(0);
    const hashes = annotationJson(meta, HASH);
    expect(Object.keys(hashes).sort()).toEqual(['sidecarset-test', 'sidecarset1']);
    expect(hashes['sidecarset-test']).toEqual({
      updateTimestamp: null,
      hash: legacyHash,
      sidecarSetName: 'sidecarset-test',
      sidecarList: null,
    });
    expect(annotationJson(meta, HASH_WITHOUT_IMAGE)['sidecarset-test']).toEqual({
      updateTimestamp: null,
      hash: legacyWithoutImage,
      sidecarSetName: 'sidecarset-test',
      sidecarList: null,
    });
  });

  it('TestInjectMetadata', () => {
    const first = sidecarSet1();
    first.spec.patchPodMetadata = [
      { patchPolicy: 'MergePatchJson', annotations: { key1: '{"log-agent":1}' } },
      { patchPolicy: 'Retain', annotations: { key: 'envoy=1,log=2' } },
    ];
    // Kruise copies sidecarSet1 under a second name; two SidecarSets injecting the same containers
    // into the same pods are rejected by the SidecarSet webhook, so the copy gets its own sidecar.
    const second: Obj = {
      apiVersion: 'apps.kruise.io/v1beta1',
      kind: 'SidecarSet',
      metadata: { name: 'sidecarset2' },
      spec: {
        selector: { matchLabels: { ...APP_LABELS } },
        containers: [{ name: 'envoy', image: 'envoy:1' }],
        patchPodMetadata: [{ patchPolicy: 'MergePatchJson', annotations: { key1: '{"envoy":2}' } }],
      },
    };
    const { out, meta } = render(shape({ labels: APP_LABELS, spec: podSpec1() }), list(first, second), [allowKeys]);
    expect(out.exitCode).toBe(0);
    expect(meta.annotations.key1).toBe('{"envoy":2,"log-agent":1}');
    expect(meta.annotations.key).toBe('envoy=1,log=2');
  });

  describe('TestPatchPodMetadata', () => {
    const patching = (patchPodMetadata: Obj[]): Obj => ({
      apiVersion: 'apps.kruise.io/v1beta1',
      kind: 'SidecarSet',
      metadata: { name: 'patcher' },
      spec: { selector: { matchLabels: { ...APP_LABELS } }, containers: [{ name: 'sidecar', image: 'sidecar:1' }], patchPodMetadata },
    });
    const retainAndOverwrite = [
      { patchPolicy: 'Retain', annotations: { key1: 'value1' } },
      { patchPolicy: 'Overwrite', annotations: { key2: 'value2' } },
    ];
    const patchedKeys = (meta: Obj) => Object.fromEntries(Object.entries(meta.annotations ?? {}).filter(([k]) => k.startsWith('key')));

    it.each([
      ['add pod annotation', undefined, retainAndOverwrite, { key1: 'value1', key2: 'value2' }],
      ['add pod annotation, exist', { key1: 'old', key2: 'old' }, retainAndOverwrite, { key1: 'old', key2: 'value2' }],
      [
        'json merge pod annotation',
        { key1: '{"log-agent":1}', key2: '{"log-agent":1}' },
        [{ patchPolicy: 'MergePatchJson', annotations: { key1: '{"log-agent":1}', key2: '{"envoy":2}', key3: '{"probe":5}' } }],
        { key1: '{"log-agent":1}', key2: '{"envoy":2,"log-agent":1}', key3: '{"probe":5}' },
      ],
      [
        'json merge pod annotation, skip',
        { key1: '{"log-agent":1}' },
        [{ patchPolicy: 'MergePatchJson', annotations: { key1: '{"log-agent":1}' } }],
        { key1: '{"log-agent":1}' },
      ],
    ] as [string, Obj | undefined, Obj[], Obj][])('%s', (_case, annotations, patches, expected) => {
      const { out, meta } = render(shape({ labels: APP_LABELS, spec: podSpec1(), annotations }), patching(patches), [allowKeys]);
      expect(out.exitCode).toBe(0);
      expect(patchedKeys(meta)).toEqual(expected);
    });
  });

  describe('TestValidateSidecarSetPatchMetadataWhitelist', () => {
    // Kruise's sidecarSetDemo (labels app=sidecar), with the selector every admitted SidecarSet needs.
    const demo = (patchPodMetadata?: Obj[]): Obj => ({
      apiVersion: 'apps.kruise.io/v1beta1',
      kind: 'SidecarSet',
      metadata: { name: 'test-sidecarset', labels: { app: 'sidecar' } },
      spec: {
        selector: { matchLabels: { app: 'nginx' } },
        containers: [
          { name: 'cold-sidecar', image: 'cold-image:v1', upgradeStrategy: { upgradeType: 'ColdUpgrade' } },
          {
            name: 'hot-sidecar',
            image: 'hot-image:v1',
            upgradeStrategy: { upgradeType: 'HotUpgrade', hotUpgradeEmptyImage: 'hotupgrade:empty' },
          },
        ],
        ...(patchPodMetadata ? { patchPodMetadata } : {}),
      },
    });
    const patchKey1 = [{ annotations: { key1: 'value1' } }];
    const pod = () => shape({ labels: { app: 'nginx' }, spec: { containers: [{ name: 'main', image: 'main:v1' }] } });

    it.each([
      ['validate sidecarSet no patch Metadata', undefined, [], true],
      // Kruise's case has no ConfigMap at all; the function only enforces the whitelist when it
      // can see Kruise's configuration (see the next test), so the cluster's state is modelled by
      // the ConfigMap without the whitelist key.
      ['validate sidecarSet whitelist failed-1', patchKey1, [whitelistConfigMap()], false],
      ['validate sidecarSet whitelist success-1', patchKey1, [whitelistConfigMap([{ allowedAnnotationKeyExprs: ['key.*'] }])], true],
      ['validate sidecarSet whitelist failed-2', patchKey1, [whitelistConfigMap([{ allowedAnnotationKeyExprs: ['key2'] }])], false],
      [
        'validate sidecarSet whitelist failed-3',
        patchKey1,
        [whitelistConfigMap([{ allowedAnnotationKeyExprs: ['key.*'], selector: { matchLabels: { app: 'other' } } }])],
        false,
      ],
      [
        'validate sidecarSet whitelist success-2',
        patchKey1,
        [whitelistConfigMap([{ allowedAnnotationKeyExprs: ['key.*'], selector: { matchLabels: { app: 'sidecar' } } }])],
        true,
      ],
    ] as [string, Obj[] | undefined, Obj[], boolean][])('%s', (_case, patches, clusterItems, admitted) => {
      const { out, spec, meta } = render(pod(), demo(patches), clusterItems);
      if (admitted) {
        expect(out.exitCode).toBe(0);
        expect(names(spec.containers)).toEqual(['cold-sidecar', 'hot-sidecar-1', 'hot-sidecar-2', 'main']);
        if (patches) expect(meta.annotations.key1).toBe('value1');
      } else {
        expect(out.exitCode).toBe(1);
        expect(errors(out).some((r) => r.resourceRef?.kind === 'SidecarSet')).toBe(true);
        expect(names(spec.containers)).toEqual(['main']);
      }
    });

    it('validate sidecarSet whitelist failed-1, no Kruise configuration in the package: not enforced (function README)', () => {
      // Documented in functions/inject-sidecarsets/README.md (`patchMetadataWhitelist`: off unless
      // set or a kruise-configuration ConfigMap is in the package); a default Kruise install
      // would reject this SidecarSet.
      const { out, meta } = render(pod(), demo(patchKey1));
      expect(out.exitCode).toBe(0);
      expect(meta.annotations.key1).toBe('value1');
    });
  });
});

it("TestMutatingSidecarSetFn: the pod carries the hashes Kruise's SidecarSet webhook computes for dns-f/dns:1.0", () => {
  // Vector from pkg/webhook/sidecarset/mutating/sidecarset_mutating_test.go (after defaulting).
  const set: Obj = {
    apiVersion: 'apps.kruise.io/v1beta1',
    kind: 'SidecarSet',
    metadata: { name: 'sidecarset-test' },
    spec: { selector: { matchLabels: { app: 'web' } }, containers: [{ name: 'dns-f', image: 'dns:1.0' }] },
  };
  const { out, meta } = render(SHAPES[0][1]({ labels: { app: 'web' }, spec: { containers: [{ name: 'web', image: 'web:1' }] } }), set);
  expect(out.exitCode).toBe(0);
  expect(annotationJson(meta, HASH)['sidecarset-test'].hash).toBe('6wbd76bd7984x24fb4f44fv9222cw9v9bcf85x766744wddd4zwx927zzz2zb684');
  expect(annotationJson(meta, HASH_WITHOUT_IMAGE)['sidecarset-test'].hash).toBe(
    '82684vwf9d4cb4wz4vffx4ddfbb47ww4z4wwxdbwb8w2zbb7zvf4524cdd49bv94',
  );
  expect(webhookHashes(set)).toEqual({
    hash: '6wbd76bd7984x24fb4f44fv9222cw9v9bcf85x766744wddd4zwx927zzz2zb684',
    hashWithoutImage: '82684vwf9d4cb4wz4vffx4ddfbb47ww4z4wwxdbwb8w2zbb7zvf4524cdd49bv94',
  });
});
