// Option failOn: the lowest severity that fails a run. With `warning`, a run whose worst result is
// a warning exits 1 (kustomize's legacy exec plugin then shows the function's stderr), its results
// unchanged; info results never fail a run.
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/modes/cli.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, sidecarSet, pod, app, type Obj } from '../helpers/krm.js';
import { tempDirs } from '../e2e/helpers.js';

/** A SidecarSet whose ServiceAccount is nowhere among the items: a warning by default. */
const warned = sidecarSet('a', {
  selector: { matchLabels: { app: 'web' } },
  containers: [{ name: 'agent', image: 'agent:1' }],
  serviceAccountName: 'mesh',
});
const quiet = sidecarSet('b', { selector: { matchLabels: { app: 'web' } }, containers: [{ name: 'agent', image: 'agent:1' }] });
const web = pod('web', { app: 'web' }, { containers: [app()] });
const config = (sidecarSets: Obj[], failOn?: string) => ({
  apiVersion: 'fn.kpt.dev/v1alpha1',
  kind: 'InjectSidecarSets',
  metadata: { name: 'c' },
  spec: { sidecarSets, ...(failOn ? { failOn } : {}) },
});
const lastLine = (stderr: string) => stderr.trimEnd().split('\n').pop();

describe('failOn', () => {
  it('error (the default): a warning does not fail the run', () => {
    for (const failOn of [undefined, 'error']) {
      const out = run([web], config([warned], failOn));
      expect(out.problems.map((p) => p.severity)).toEqual(['warning']);
      expect(out.exitCode).toBe(0);
      expect(lastLine(out.stderr)).toMatch(/0 error\(s\), 1 warning\(s\)$/);
    }
  });

  it('warning: a warning fails the run, says so in the summary and keeps its severity', () => {
    const out = run([web], config([warned], 'warning'));
    expect(out.exitCode).toBe(1);
    expect(out.problems.map((p) => p.severity)).toEqual(['warning']);
    expect(lastLine(out.stderr)).toMatch(/0 error\(s\), 1 warning\(s\); failed on warnings \(failOn: warning\)$/);
  });

  it('warning: a run with info results only still succeeds', () => {
    const out = run(
      [web],
      config([quiet, sidecarSet('unused', { selector: { matchLabels: { app: 'none' } }, containers: [app('x')] })], 'warning'),
    );
    expect(out.results.some((r) => r.severity === 'info')).toBe(true);
    expect(out.exitCode).toBe(0);
    expect(lastLine(out.stderr)).not.toMatch(/failOn/);
  });

  it('is a ConfigMap key too, and an unknown value is an error', () => {
    const configMap = (failOn: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { failOn } });
    expect(run([warned, web], configMap('warning')).exitCode).toBe(1);
    expect(run([warned, web], configMap('error')).exitCode).toBe(0);
    const wrong = run([warned, web], configMap('info'));
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stderr).toMatch(/failOn/);
  });

  describe('in the command-line mode', () => {
    const dirs = tempDirs('fail-on-');
    afterAll(dirs.cleanup);
    it('prints nothing on stdout and exits 1 on a warning; --check fails too', () => {
      const dir = dirs.make();
      const configFile = join(dir, 'config.yaml');
      const manifest = join(dir, 'pod.yaml');
      writeFileSync(configFile, JSON.stringify(config([warned], 'warning')));
      writeFileSync(manifest, JSON.stringify(web));
      const out = runCli(['--config', configFile, manifest], () => '');
      expect(out.exitCode).toBe(1);
      expect(out.stdout).toBe('');
      expect(out.stderr).toMatch(/^\[warning\] .*ServiceAccount/m);
      // Rendered with the default, the manifest is as the function leaves it: only the warning is left to fail --check.
      writeFileSync(join(dir, 'default.yaml'), JSON.stringify(config([warned])));
      writeFileSync(manifest, runCli(['--config', join(dir, 'default.yaml'), manifest], () => '').stdout);
      expect(runCli(['--check', '--config', join(dir, 'default.yaml'), manifest], () => '').exitCode).toBe(0);
      const check = runCli(['--check', '--config', configFile, manifest], () => '');
      expect(check.stdout).toMatch(/no resource would change/);
      expect(check.exitCode).toBe(1);
    });
  });
});
