// `kpt fn eval --exec` with each form of --fn-config, and key=value options, on a real package.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEPLOYMENT,
  SERVICE,
  assertTools,
  describeRun,
  parseStream,
  runCommand,
  sidecarSet,
  skipWithout,
  tempDirs,
  templateContainers,
  writeTree,
  find,
  bundleOnPath,
} from './helpers.js';

const skip = skipWithout('kpt fn eval --exec', ['kpt']);

describe.skipIf(skip)('kpt fn eval --exec', () => {
  const temp = tempDirs('inject-kpt-eval');
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    assertTools(['kpt']);
    env = bundleOnPath(temp.make).env;
  });
  afterAll(() => temp.cleanup());

  const pkg = (files: Record<string, string> = {}) => {
    const dir = temp.make();
    writeTree(dir, { 'pkg/deploy.yaml': `# the web app\n${DEPLOYMENT}`, 'pkg/service.yaml': SERVICE, ...files });
    return dir;
  };
  const evalIn = (dir: string, args: string[]) =>
    runCommand('kpt', ['fn', 'eval', join(dir, 'pkg'), '--exec', 'inject-sidecarsets', ...args], { env });
  const containers = (dir: string) =>
    templateContainers(find(parseStream(readFileSync(join(dir, 'pkg/deploy.yaml'), 'utf8')), 'Deployment', 'web'));

  it.each([
    ['a SidecarSet', sidecarSet('apps.kruise.io/v1beta1')],
    ['a v1alpha1 SidecarSet', sidecarSet('apps.kruise.io/v1alpha1')],
    [
      'a List of SidecarSets',
      `apiVersion: v1\nkind: List\nmetadata:\n  name: sets\nitems:\n${sidecarSet('apps.kruise.io/v1beta1')
        .replace(/^/gm, '  ')
        .replace(/^ {2}apiVersion/, '- apiVersion')}`,
    ],
    [
      'the InjectSidecarSets kind',
      `apiVersion: fn.kpt.dev/v1alpha1\nkind: InjectSidecarSets\nmetadata:\n  name: cfg\nspec:\n  sidecarSets:\n${sidecarSet(
        'apps.kruise.io/v1beta1',
      )
        .replace(/^/gm, '    ')
        .replace(/^ {4}apiVersion/, '  - apiVersion')}`,
    ],
  ])('injects with %s as --fn-config, in place, comments kept, twice without change', (_name, config) => {
    const dir = pkg({ 'config.yaml': config });
    const first = evalIn(dir, ['--fn-config', join(dir, 'config.yaml')]);
    expect(first.status, describeRun('eval', first)).toBe(0);
    expect(containers(dir)).toEqual(['log-agent', 'app']);
    const text = readFileSync(join(dir, 'pkg/deploy.yaml'), 'utf8');
    expect(text.match(/# the web app/g)).toHaveLength(1);
    expect(readFileSync(join(dir, 'pkg/service.yaml'), 'utf8')).toBe(SERVICE);
    const second = evalIn(dir, ['--fn-config', join(dir, 'config.yaml')]);
    expect(second.status, describeRun('second eval', second)).toBe(0);
    expect(readFileSync(join(dir, 'pkg/deploy.yaml'), 'utf8')).toBe(text);
  });

  it('takes key=value options with the SidecarSets of the package as rules', () => {
    const dir = pkg({ 'pkg/sidecarset.yaml': sidecarSet('apps.kruise.io/v1beta1', { namespace: undefined }) });
    const r = evalIn(dir, ['--', 'defaultNamespace=shop', 'EnableSortSidecarContainerByName=true']);
    expect(r.status, describeRun('eval', r)).toBe(0);
    expect(containers(dir)).toEqual(['log-agent', 'app']);
  });

  it('fails on an unknown option, and leaves the files alone', () => {
    const dir = pkg();
    const r = evalIn(dir, ['--', 'noSuchOption=1']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/unknown option "noSuchOption"/);
    expect(containers(dir)).toEqual(['app']);
  });
});
