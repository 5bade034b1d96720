// Command-line mode: manifests from files, directories and stdin; a YAML stream or a diff out.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { runCli, parseCliArgs } from '../../src/modes/cli.js';
import { HELP } from '../../src/modes/help.js';

const dir = mkdtempSync(join(tmpdir(), 'inject-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sidecarSet = `apiVersion: apps.kruise.io/v1beta1
kind: SidecarSet
metadata:
  name: log
spec:
  selector:
    matchLabels:
      app: web
  containers:
  - name: log-agent
    image: log:1
`;
const deployment = `# the web app
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx # pinned
`;
const service = `apiVersion: v1
kind: Service
metadata:
  name: web # keep
spec:
  ports:
  - port: 80
`;
writeFileSync(join(dir, 'sidecarsets.yaml'), sidecarSet);
mkdirSync(join(dir, 'manifests/nested'), { recursive: true });
writeFileSync(join(dir, 'manifests/app.yaml'), `${deployment}---\n${service}`);
writeFileSync(join(dir, 'manifests/nested/cm.json'), '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}');
writeFileSync(join(dir, 'manifests/notes.txt'), 'not a manifest');

const noStdin = () => '';
const docs = (text: string) => parseAllDocuments(text).map((d) => d.toJS());

describe('command-line mode', () => {
  it('prints every manifest of a directory tree as a YAML stream, injected, comments kept', () => {
    const out = runCli(['--config', join(dir, 'sidecarsets.yaml'), join(dir, 'manifests')], noStdin);
    expect(out.exitCode).toBe(0);
    const objects = docs(out.stdout);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Deployment/web', 'Service/web', 'ConfigMap/c']);
    expect(objects[0].spec.template.spec.containers.map((c: any) => c.name)).toEqual(['log-agent', 'web']);
    expect(out.stdout).toContain('# the web app');
    expect(out.stdout).toContain('image: nginx # pinned');
    expect(out.stdout).toContain(service);
    expect(out.stdout).not.toContain('config.kubernetes.io/');
    expect(out.stderr).toMatch(/1 of 3 items injected/);
  });

  it('reads manifests from stdin with -', () => {
    const out = runCli(['--config', join(dir, 'sidecarsets.yaml'), '-'], () => deployment);
    expect(docs(out.stdout)[0].spec.template.spec.containers).toHaveLength(2);
  });

  it('--diff prints only what would change, one diff per resource headed by its file and kind/namespace/name', () => {
    const out = runCli(['--config', join(dir, 'sidecarsets.yaml'), '--diff', join(dir, 'manifests')], noStdin);
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toMatch(/^--- .*app\.yaml\tDeployment\/web\n\+\+\+ .*app\.yaml\tDeployment\/web\n@@ /m);
    expect(out.stdout).not.toContain('\x1b[');
    expect(out.stdout).toMatch(/^\+\s+- name: log-agent$/m);
    expect(out.stdout).not.toContain('cm.json');
  });

  it('without --config uses the SidecarSets among the manifests', () => {
    const out = runCli([join(dir, 'sidecarsets.yaml'), join(dir, 'manifests/app.yaml')], noStdin);
    expect(docs(out.stdout)[1].spec.template.spec.containers).toHaveLength(2);
  });

  it('points results at the file and document index', () => {
    writeFileSync(join(dir, 'bad.yaml'), `${service}---\n${sidecarSet.replace('image: log:1', 'image: 3')}`);
    const out = runCli(['--config', join(dir, 'bad.yaml'), join(dir, 'manifests/app.yaml')], noStdin);
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toMatch(/\[error\]/);
  });

  it('rejects unknown options and missing paths with exit 2', () => {
    expect(runCli(['--nope', 'x'], noStdin).exitCode).toBe(2);
    expect(runCli(['--config', 'x'], noStdin).exitCode).toBe(2);
    expect(parseCliArgs(['--config=a.yaml', '--diff', 'm'])).toEqual({ config: 'a.yaml', diff: true, check: false, paths: ['m'] });
  });

  it('reports a missing file as an error, not a stack trace', () => {
    const out = runCli(['--config', join(dir, 'missing.yaml'), join(dir, 'manifests')], noStdin);
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toMatch(/missing\.yaml/);
    expect(out.stderr).not.toMatch(/\n\s+at /);
  });

  it('--help documents every flag', () => {
    for (const flag of ['--config', '--diff', '--check', '--explain', '--uninject', '--help', ' - ']) expect(HELP).toContain(flag.trim() === '-' ? ' -' : flag);
    const r = spawnSync(process.execPath, ['dist/inject-sidecarsets.js', '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(HELP);
  });
});
