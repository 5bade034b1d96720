import { describe, expect, it } from 'vitest';
import type { V1Container } from '@kubernetes/client-node';
import { appendMissingEnvs, containerNameFromFieldPath, mergeSidecarEnv, transferEnvs } from '../../src/inject/env.js';
import type { SidecarContainer, TransferEnvVar } from '../../src/sidecarset/types.js';

// Kruise's pod1 fixture (pkg/webhook/pod/mutating/sidecarset_test.go).
const nginx: V1Container = {
  name: 'nginx',
  image: 'nginx:1.15.1',
  env: [
    { name: 'hello1', value: 'world1' },
    { name: 'hello2', value: 'world2' },
  ],
};

function sidecarWith(transferEnv: TransferEnvVar[], extra: Partial<SidecarContainer> = {}): SidecarContainer {
  return { name: 'cold-sidecar', image: 'cold-image:v1', transferEnv, ...extra };
}

const fromLabel = (fieldPath: string): TransferEnvVar['sourceContainerNameFrom'] => ({ fieldRef: { apiVersion: 'v1', fieldPath } });

describe('transferEnvs: source container', () => {
  const main: V1Container = { name: 'main', image: 'main:v1', env: [{ name: 'test-env', value: 'test-value' }] };

  it('reads from sourceContainerName', () => {
    const { envs, warnings } = transferEnvs([main], {}, {}, sidecarWith([{ envName: 'test-env', sourceContainerName: 'main' }]));
    expect(envs).toEqual([{ name: 'test-env', value: 'test-value' }]);
    expect(warnings).toEqual([]);
  });

  it("reads the container name from metadata.labels['app']", () => {
    const sidecar = sidecarWith([{ envName: 'test-env', sourceContainerNameFrom: fromLabel("metadata.labels['app']") }]);
    expect(transferEnvs([main], { app: 'main' }, {}, sidecar).envs).toEqual([{ name: 'test-env', value: 'test-value' }]);
  });

  it("reads the container name from metadata.annotations['app']", () => {
    const sidecar = sidecarWith([{ envName: 'test-env', sourceContainerNameFrom: fromLabel("metadata.annotations['app']") }]);
    expect(transferEnvs([main], { app: 'other' }, { app: 'main' }, sidecar).envs).toEqual([{ name: 'test-env', value: 'test-value' }]);
  });

  it('prefers the fieldRef over sourceContainerName', () => {
    const other: V1Container = { name: 'other', env: [{ name: 'test-env', value: 'from-other' }] };
    const sidecar = sidecarWith([
      { envName: 'test-env', sourceContainerName: 'main', sourceContainerNameFrom: fromLabel("metadata.labels['app']") },
    ]);
    expect(transferEnvs([main, other], { app: 'other' }, {}, sidecar).envs).toEqual([{ name: 'test-env', value: 'from-other' }]);
  });

  it('uses sourceContainerName when sourceContainerNameFrom has no fieldRef', () => {
    const sidecar = sidecarWith([{ envName: 'test-env', sourceContainerName: 'main', sourceContainerNameFrom: {} }]);
    expect(transferEnvs([main], {}, {}, sidecar).envs).toHaveLength(1);
  });

  it('takes previously injected sidecars as sources too', () => {
    const injected: V1Container = {
      name: 'old-sidecar',
      env: [
        { name: 'IS_INJECTED', value: 'true' },
        { name: 'X', value: '1' },
      ],
    };
    const sidecar = sidecarWith([{ envName: 'X', sourceContainerName: 'old-sidecar' }]);
    expect(transferEnvs([injected], {}, {}, sidecar).envs).toEqual([{ name: 'X', value: '1' }]);
  });
});

describe('transferEnvs: env names and order', () => {
  const source: V1Container = {
    name: 'app',
    env: [
      { name: 'A', value: 'a' },
      { name: 'B', value: 'b' },
      { name: 'C', value: 'c' },
      { name: 'D', value: 'first' },
      { name: 'D', value: 'last' },
    ],
  };

  it('iterates envName and envNames as a sorted set', () => {
    const sidecar = sidecarWith([{ sourceContainerName: 'app', envName: 'C', envNames: ['B', 'A', 'C'] }]);
    expect(transferEnvs([source], {}, {}, sidecar).envs.map((e) => e.name)).toEqual(['A', 'B', 'C']);
  });

  it('keeps entries in spec order and duplicates across entries', () => {
    const sidecar = sidecarWith([
      { sourceContainerName: 'app', envName: 'C' },
      { sourceContainerName: 'app', envNames: ['B', 'C'] },
    ]);
    expect(transferEnvs([source], {}, {}, sidecar).envs.map((e) => e.name)).toEqual(['C', 'B', 'C']);
  });

  it('takes the last of a repeated env name in the source container', () => {
    const sidecar = sidecarWith([{ sourceContainerName: 'app', envName: 'D' }]);
    expect(transferEnvs([source], {}, {}, sidecar).envs).toEqual([{ name: 'D', value: 'last' }]);
  });

  it('copies the whole EnvVar, valueFrom included', () => {
    const withRef: V1Container = {
      name: 'app',
      env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
    };
    const { envs } = transferEnvs([withRef], {}, {}, sidecarWith([{ sourceContainerName: 'app', envName: 'POD_IP' }]));
    expect(envs).toEqual(withRef.env);
  });

  it('returns nothing for a sidecar without transferEnv', () => {
    expect(transferEnvs([source], {}, {}, { name: 's' })).toEqual({ envs: [], warnings: [] });
  });
});

describe('transferEnvs: warnings for what Kruise skips silently', () => {
  const app: V1Container = { name: 'app', env: [{ name: 'A', value: 'a' }] };

  it('warns about env names the source container does not have, and transfers the rest', () => {
    const sidecar = sidecarWith([{ sourceContainerName: 'app', envNames: ['A', 'Z', 'Y'] }]);
    const { envs, warnings } = transferEnvs([app], {}, {}, sidecar);
    expect(envs).toEqual([{ name: 'A', value: 'a' }]);
    expect(warnings).toEqual([{ path: 'transferEnv[0]', message: expect.stringContaining('Y, Z') }]);
  });

  it('warns about a source container that is not in the pod', () => {
    const sidecar = sidecarWith([
      { sourceContainerName: 'app', envName: 'A' },
      { sourceContainerName: 'missing', envName: 'A' },
    ]);
    const { envs, warnings } = transferEnvs([app], {}, {}, sidecar);
    expect(envs).toHaveLength(1);
    expect(warnings).toEqual([{ path: 'transferEnv[1]', message: expect.stringContaining('"missing"') }]);
  });

  it('warns about an entry without env names or without a source', () => {
    const sidecar = sidecarWith([{ sourceContainerName: 'app' }, { envName: 'A' }]);
    const { envs, warnings } = transferEnvs([app], {}, {}, sidecar);
    expect(envs).toEqual([]);
    expect(warnings.map((w) => w.path)).toEqual(['transferEnv[0]', 'transferEnv[1]']);
  });

  it('warns when the label named by the fieldRef is absent', () => {
    const sidecar = sidecarWith([{ envName: 'A', sourceContainerNameFrom: fromLabel("metadata.labels['app']") }]);
    const { envs, warnings } = transferEnvs([app], {}, {}, sidecar);
    expect(envs).toEqual([]);
    expect(warnings).toEqual([{ path: 'transferEnv[0]', message: expect.stringContaining("metadata.labels['app']") }]);
  });

  it.each(['metadata.name', 'metadata.labels', "metadata.labels['bad key']", "spec.containers['x']"])(
    'skips the whole entry with a warning for fieldPath %s',
    (fieldPath) => {
      const sidecar = sidecarWith([{ envName: 'A', sourceContainerName: 'app', sourceContainerNameFrom: fromLabel(fieldPath) }]);
      const { envs, warnings } = transferEnvs([app], { app: 'app' }, {}, sidecar);
      expect(envs).toEqual([]);
      expect(warnings).toEqual([{ path: 'transferEnv[0]', message: expect.stringContaining(fieldPath) }]);
    },
  );
});

describe('containerNameFromFieldPath (Kruise ExtractContainerNameFromFieldPath)', () => {
  it('returns the label value, or "" when the label is absent', () => {
    expect(containerNameFromFieldPath("metadata.labels['test-label']", { 'test-label': 'test-pod-label' }, {})).toEqual({
      ok: true,
      name: 'test-pod-label',
    });
    expect(containerNameFromFieldPath("metadata.labels['test-label']", {}, {})).toEqual({ ok: true, name: '' });
  });

  it('returns the annotation value', () => {
    expect(containerNameFromFieldPath("metadata.annotations['test-anno']", {}, { 'test-anno': 'test-pod-anno' })).toEqual({
      ok: true,
      name: 'test-pod-anno',
    });
  });

  it('does not read inherited properties as labels', () => {
    expect(containerNameFromFieldPath("metadata.labels['constructor']", {}, {})).toEqual({ ok: true, name: '' });
  });

  it.each(['metadata.name', 'metadata.labels', 'metadata.annotations', "['app']", "metadata.labels['app'", "status.podIP['a']"])(
    'rejects %s',
    (fieldPath) => {
      expect(containerNameFromFieldPath(fieldPath, { app: 'x' }, { app: 'x' }).ok).toBe(false);
    },
  );

  it('requires a qualified-name key', () => {
    for (const key of ['', 'bad key', '-lead', 'a/b/c', '/name', 'x'.repeat(64), "a']['b"]) {
      expect(containerNameFromFieldPath(`metadata.labels['${key}']`, {}, {}).ok, key).toBe(false);
    }
    for (const key of ['app', 'App_1.x', 'example.com/app', 'x'.repeat(63)]) {
      expect(containerNameFromFieldPath(`metadata.labels['${key}']`, {}, {}).ok, key).toBe(true);
    }
  });

  it('lower-cases annotation keys for the check only', () => {
    const path = "metadata.annotations['Example.COM/App']";
    expect(containerNameFromFieldPath(path, {}, { 'Example.COM/App': 'main' })).toEqual({ ok: true, name: 'main' });
    expect(containerNameFromFieldPath(path, {}, { 'example.com/app': 'main' })).toEqual({ ok: true, name: '' });
    expect(containerNameFromFieldPath("metadata.labels['Example.COM/App']", {}, {}).ok).toBe(false);
    expect(containerNameFromFieldPath("metadata.annotations['\u0130stio']", {}, { '\u0130stio': 'main' })).toEqual({
      ok: true,
      name: 'main',
    });
  });
});

describe('mergeSidecarEnv (step g)', () => {
  it('gives [IS_INJECTED, hello2] for a sidecar without own env (Kruise TestSidecarSetTransferEnv)', () => {
    const sidecar = sidecarWith([{ sourceContainerName: 'nginx', envName: 'hello2' }], { name: 'dns-f' });
    const { envs } = transferEnvs([nginx], { app: 'suxing-test' }, {}, sidecar);
    expect(mergeSidecarEnv(sidecar.env, envs)).toEqual([
      { name: 'IS_INJECTED', value: 'true' },
      { name: 'hello2', value: 'world2' },
    ]);
  });

  it('keeps spec env first and lets it win over a transferred env of the same name', () => {
    const result = mergeSidecarEnv(
      [{ name: 'hello2', value: 'spec' }],
      [
        { name: 'hello2', value: 'world2' },
        { name: 'hello1', value: 'world1' },
      ],
    );
    expect(result).toEqual([
      { name: 'hello2', value: 'spec' },
      { name: 'IS_INJECTED', value: 'true' },
      { name: 'hello1', value: 'world1' },
    ]);
  });

  it('appends IS_INJECTED even when the spec already has one, and never takes a transferred one', () => {
    const result = mergeSidecarEnv([{ name: 'IS_INJECTED', value: 'false' }], [{ name: 'IS_INJECTED', value: 'other' }]);
    expect(result).toEqual([
      { name: 'IS_INJECTED', value: 'false' },
      { name: 'IS_INJECTED', value: 'true' },
    ]);
  });

  it('keeps the first of duplicate extra envs', () => {
    const result = mergeSidecarEnv(undefined, [
      { name: 'A', value: '1' },
      { name: 'A', value: '2' },
    ]);
    expect(result).toEqual([
      { name: 'IS_INJECTED', value: 'true' },
      { name: 'A', value: '1' },
    ]);
  });

  it('returns a new list and leaves its inputs as they were', () => {
    const spec = [{ name: 'S', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }];
    const extra = [{ name: 'E', value: 'e' }];
    const result = mergeSidecarEnv(spec, extra);
    expect(result.map((e) => e.name)).toEqual(['S', 'IS_INJECTED', 'E']);
    expect(spec).toHaveLength(1);
    expect(extra).toHaveLength(1);
  });
});

describe('appendMissingEnvs (step d: transfer envs then SubPathExpr envs)', () => {
  it('keeps duplicates already in the original list and appends only new names', () => {
    const transferred = [
      { name: 'A', value: '1' },
      { name: 'A', value: '2' },
    ];
    const subPath = [
      { name: 'A', value: 'sub' },
      { name: 'POD_NAME', value: 'bar' },
      { name: 'POD_NAME', value: 'again' },
    ];
    expect(appendMissingEnvs(transferred, subPath)).toEqual([
      { name: 'A', value: '1' },
      { name: 'A', value: '2' },
      { name: 'POD_NAME', value: 'bar' },
    ]);
  });
});
