// Merge keys under the real tools: the function's output, read back by kubectl (`kubectl kustomize`
// over a directory holding it as a resource), is the data the same manifests written without
// anchors and merge keys give; kpt passes merge keys to the function as they are written (as
// `!!merge <<`), and a render of a package holding them is the same data and changes nothing when
// run again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { runCli } from '../../src/modes/cli.js';
import { LOG_SIDECARSET, WEB } from '../helpers/merge-keys.js';
import { BUNDLE, assertTools, describeRun, parseStream, runCommand, skipWithout, tempDirs, writeTree, type KubeObject } from './helpers.js';

const TOOLS = ['kubectl', 'kpt'];
const skip = skipWithout('merge keys under kubectl and kpt', TOOLS);

/** What kubectl reads from `manifest`. */
function kubectlReads(dir: string, manifest: string): KubeObject[] {
  writeTree(dir, { 'kustomization.yaml': 'resources:\n- manifest.yaml\n', 'manifest.yaml': manifest });
  const r = runCommand('kubectl', ['kustomize', dir]);
  expect(r.status, describeRun('kubectl kustomize', r)).toBe(0);
  return parseStream(r.stdout);
}

/** The manifests without anchors, aliases and merge keys. */
const expanded = (manifest: string) => stringify(parse(manifest, { version: '1.1' }), { aliasDuplicateObjects: false });

/** The function's command-line output for `manifest`, with LOG_SIDECARSET as the config. */
function injected(dir: string, manifest: string): string {
  writeTree(dir, { 'in/manifest.yaml': manifest, 'sidecarsets.yaml': LOG_SIDECARSET });
  const out = runCli(['--config', join(dir, 'sidecarsets.yaml'), join(dir, 'in/manifest.yaml')], () => '');
  expect(out.exitCode, out.stderr).toBe(0);
  return out.stdout;
}

describe.skipIf(skip)('merge keys under kubectl and kpt', () => {
  const temp = tempDirs('e2e-merge-keys');
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    assertTools(TOOLS);
    const bin = temp.make();
    symlinkSync(BUNDLE, join(bin, 'inject-sidecarsets'));
    env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
  });
  afterAll(() => temp.cleanup());

  it('kubectl reads the output as the injected data', () => {
    const output = injected(temp.make(), WEB);
    expect(output).toContain('<<: *owner');
    const read = kubectlReads(temp.make(), output);
    expect(read).toEqual(kubectlReads(temp.make(), injected(temp.make(), expanded(WEB))));
    const template = (read[0].spec as { template: { metadata: { labels: unknown; annotations: Record<string, string> } } }).template;
    expect(template.metadata.labels).toEqual({ app: 'web', tier: 'front', track: 'stable' });
    expect(template.metadata.annotations).toMatchObject({ 'team/owner': 'logging', note: 'kept' });
    expect(read[0].metadata?.annotations).toEqual({ 'team/owner': 'web-team', note: 'kept' });
  });

  it('kubectl reads an item the function refuses for its merge key as an error too', () => {
    const refused = WEB.replace('        <<: *common\n', '        <<: 5\n');
    const dir = temp.make();
    writeTree(dir, { 'kustomization.yaml': 'resources:\n- manifest.yaml\n', 'manifest.yaml': refused });
    const r = runCommand('kubectl', ['kustomize', dir]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/map merge requires map or sequence of maps/);
  });

  it('kpt fn eval renders a package with merge keys as the same data, and again without a change', () => {
    const evalIn = (dir: string) => {
      const r = runCommand('kpt', ['fn', 'eval', join(dir, 'pkg'), '--exec', 'inject-sidecarsets'], { env });
      expect(r.status, describeRun('kpt fn eval', r)).toBe(0);
      return readFileSync(join(dir, 'pkg/web.yaml'), 'utf8');
    };
    const render = (web: string) => {
      const dir = temp.make();
      writeTree(dir, { 'pkg/web.yaml': web, 'pkg/sidecarset.yaml': LOG_SIDECARSET });
      return { dir, rendered: evalIn(dir) };
    };
    const { dir, rendered } = render(WEB);
    // kpt hands merge keys to the function as written, tagged, and writes them so.
    expect(rendered).toContain('!!merge <<: *owner');
    expect(kubectlReads(temp.make(), rendered)).toEqual(kubectlReads(temp.make(), render(expanded(WEB)).rendered));
    expect(evalIn(dir)).toBe(rendered);
  });
});
