// Which user file a kustomize legacy plugin config came from (kustomize passes a temporary copy).
import { describe, expect, it } from 'vitest';
import { transformerFile } from '../../src/modes/kustomize-origin.js';

const root = '/repo/app';
const files = (tree: Record<string, string>) => (path: string) => tree[path];
const config = 'apiVersion: apps.kruise.io/v1alpha1\nkind: SidecarSet\nmetadata:\n  name: mesh\nspec: {}\n';
const mesh = config;
const logs = config.replace('name: mesh', 'name: logs');

describe('transformerFile', () => {
  it('is the listed file that holds the SidecarSet of that name, as the kustomization lists it', () => {
    const read = files({
      '/repo/app/kustomization.yaml': 'transformers:\n- ./policies/logs.yaml\n- ./policies/mesh.yaml\n',
      '/repo/app/policies/logs.yaml': logs,
      '/repo/app/policies/mesh.yaml': `# ours\n${mesh}`,
    });
    expect(transformerFile(config, root, read)).toEqual({ path: 'policies/mesh.yaml' });
  });

  it('finds it among the documents of a file and the items of a List', () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n- ${logs.trimEnd().split('\n').join('\n  ')}\n- ${mesh.trimEnd().split('\n').join('\n  ')}\n`;
    expect(
      transformerFile(
        config,
        root,
        files({ '/repo/app/Kustomization': 'transformers: [../shared/list.yaml]', '/repo/shared/list.yaml': list }),
      ),
    ).toEqual({ path: '../shared/list.yaml' });
    expect(
      transformerFile(
        config,
        root,
        files({ '/repo/app/kustomization.yml': 'transformers: [all.yaml]', '/repo/app/all.yaml': `${logs}---\n${mesh}` }),
      ),
    ).toEqual({ path: 'all.yaml' });
  });

  it('falls back on the kustomization file when no listed file holds it, and gives nothing without one', () => {
    const read = files({
      '/repo/app/kustomization.yaml': 'transformers: [https://example.com/x.yaml, dir/, logs.yaml]\n',
      '/repo/app/logs.yaml': logs,
    });
    expect(transformerFile(config, root, read)).toEqual({ path: 'kustomization.yaml' });
    expect(transformerFile(config, root, files({}))).toBeUndefined();
    expect(transformerFile(config, root, files({ '/repo/app/kustomization.yaml': ': not yaml [' }))).toEqual({
      path: 'kustomization.yaml',
    });
  });
});
