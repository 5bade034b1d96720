// The function as a kpt validator (mode: validate) with the real kpt: under a Kptfile's
// `validators:` a stale package fails the render and a rendered one passes, files untouched either
// way; the same with `kpt fn eval -- mode=validate`; `-- mode=uninject` takes a render back out, and
// `-- mode=explain` reports through kpt's results.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEPLOYMENT,
  SERVICE,
  assertTools,
  describeRun,
  runCommand,
  sidecarSet,
  skipWithout,
  tempDirs,
  writeTree,
  bundleOnPath,
  kptfile,
} from './helpers.js';

const skip = skipWithout('kpt validators', ['kpt']);

const VALIDATING_KPTFILE = kptfile('app', 'validators:\n  - exec: inject-sidecarsets\n    configMap:\n      mode: validate\n');

describe.skipIf(skip)('kpt validators: inject-sidecarsets with mode validate', () => {
  const temp = tempDirs('inject-validator');
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    assertTools(['kpt']);
    const withBundle = bundleOnPath(temp.make);
    writeTree(withBundle.bin, { 'echo-items': ['#!/bin/sh\nexec cat\n', 0o755] });
    env = withBundle.env;
  });
  afterAll(() => temp.cleanup());

  /** A package whose SidecarSet is one of its resources, as committed before any render. */
  const pkg = () => {
    const dir = join(temp.make(), 'app');
    writeTree(dir, {
      Kptfile: VALIDATING_KPTFILE,
      'deploy.yaml': `# the web app\n${DEPLOYMENT}`,
      'service.yaml': SERVICE,
      'sidecarset.yaml': sidecarSet('apps.kruise.io/v1beta1'),
    });
    return dir;
  };
  const files = (dir: string) => new Map(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name), 'utf8')]));
  const kpt = (...args: string[]) => runCommand('kpt', args, { env });
  const renderInjecting = (dir: string) => {
    const r = kpt('fn', 'eval', dir, '--exec', 'inject-sidecarsets');
    expect(r.status, describeRun('kpt fn eval (inject)', r)).toBe(0);
  };

  it('fails the render of a stale package, naming the workload, the SidecarSet and the missing sidecar; writes nothing', () => {
    const dir = pkg();
    const before = files(dir);
    const r = kpt('fn', 'render', '--allow-exec', dir);
    expect(r.status, describeRun('kpt fn render', r)).not.toBe(0);
    expect(r.stderr + r.stdout).toMatch(
      /Deployment.*web[^\n]*not what injection gives for SidecarSet log-agent: missing sidecar log-agent \(SidecarSet log-agent\)/,
    );
    expect(files(dir)).toEqual(before);
  });

  it('passes the render of a rendered package, leaving every file as it is', () => {
    const dir = pkg();
    renderInjecting(dir);
    const rendered = files(dir);
    expect(rendered.get('deploy.yaml')).toContain('name: log-agent');
    const r = kpt('fn', 'render', '--allow-exec', dir);
    expect(r.status, describeRun('kpt fn render', r)).toBe(0);
    expect(files(dir)).toEqual(rendered);
  });

  it('fails again once the SidecarSet changes after the render: a stale image', () => {
    const dir = pkg();
    renderInjecting(dir);
    writeFileSync(join(dir, 'sidecarset.yaml'), sidecarSet('apps.kruise.io/v1beta1').replace('busybox:1.36', 'busybox:1.37'));
    const r = kpt('fn', 'render', '--allow-exec', dir);
    expect(r.status).not.toBe(0);
    expect(r.stderr + r.stdout).toMatch(/stale image of log-agent \(SidecarSet log-agent\): busybox:1\.36, injection gives busybox:1\.37/);
  });

  it('works under kpt fn eval -- mode=validate as well, and mode=uninject gives the package back', () => {
    const dir = pkg();
    // kpt writes every file it passes through in its own layout (one space before a comment):
    // what uninject must give back is the original as kpt writes it, with a function that changes nothing.
    const baseline = pkg();
    const echoed = kpt('fn', 'eval', baseline, '--exec', 'echo-items');
    expect(echoed.status, describeRun('kpt fn eval (cat)', echoed)).toBe(0);
    const stale = kpt('fn', 'eval', dir, '--exec', 'inject-sidecarsets', '--', 'mode=validate');
    expect(stale.status).toBe(1);
    expect(stale.stderr).toMatch(/missing sidecar log-agent/);
    renderInjecting(dir);
    const fresh = kpt('fn', 'eval', dir, '--exec', 'inject-sidecarsets', '--', 'mode=validate');
    expect(fresh.status, describeRun('kpt fn eval mode=validate', fresh)).toBe(0);
    const back = kpt('fn', 'eval', dir, '--exec', 'inject-sidecarsets', '--', 'mode=uninject');
    expect(back.status, describeRun('kpt fn eval mode=uninject', back)).toBe(0);
    expect(files(dir)).toEqual(files(baseline));
  });

  it('mode=explain reports each SidecarSet as info results, and changes nothing', () => {
    const dir = pkg();
    writeFileSync(join(dir, 'mesh.yaml'), sidecarSet('apps.kruise.io/v1beta1', { name: 'mesh', matchLabels: { mesh: 'on' } }));
    // In kpt's own layout first: kpt writes every file an eval passes through.
    expect(kpt('fn', 'eval', dir, '--exec', 'echo-items').status).toBe(0);
    const before = files(dir);
    const r = kpt('fn', 'eval', dir, '--exec', 'inject-sidecarsets', '--truncate-output=false', '--', 'mode=explain');
    expect(r.status, describeRun('kpt fn eval mode=explain', r)).toBe(0);
    expect(r.stderr).toMatch(/\[info\] apps\/v1\/Deployment\/web spec\.template: SidecarSet log-agent: injected: containers log-agent/);
    expect(r.stderr).toMatch(
      /\[info\] apps\/v1\/Deployment\/web spec\.template: SidecarSet mesh: not injected: selector: matchLabels mesh=on: the template has no label mesh/,
    );
    expect(files(dir)).toEqual(before);
  });
});
