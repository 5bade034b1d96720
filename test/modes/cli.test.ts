// Command-line mode: manifests from files, directories and stdin; a YAML stream or a diff out.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { runCli, parseCliArgs } from '../../src/modes/cli.js';
import { HELP } from '../../src/modes/help.js';
import { deploymentHead, sidecarSetHead } from '../helpers/manifest-text.js';

const dir = mkdtempSync(join(tmpdir(), 'inject-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sidecarSet = `${sidecarSetHead('log')}  containers:
  - name: log-agent
    image: log:1
`;
const deployment = `# the web app
${deploymentHead('web')}    spec:
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
    for (const flag of ['--config', '--diff', '--check', '--explain', '--uninject', '--help', ' - '])
      expect(HELP).toContain(flag.trim() === '-' ? ' -' : flag);
    const r = spawnSync(process.execPath, ['dist/inject-sidecarsets.js', '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(HELP);
  });
});

describe("command-line mode, a newcomer's path (issue 17 §1)", () => {
  const config = join(dir, 'sidecarsets.yaml');

  it('names the file, line and column of a YAML error in one of several files, with the message after the colon', () => {
    // Seven lines, the error on the sixth: a line number in the concatenation would be far larger.
    writeFileSync(
      join(dir, 'broken.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\ndata:\n  key: "unterminated\n  other: x\n',
    );
    const out = runCli(['--config', config, join(dir, 'manifests/app.yaml'), join(dir, 'broken.yaml')], noStdin);
    expect(out.exitCode).toBe(1);
    expect(out.stdout).toBe('');
    const message = out.stderr.trim();
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toMatch(/^inject-sidecarsets: .*broken\.yaml:(\d+):(\d+): \S.*$/);
    const [, line] = /broken\.yaml:(\d+):/.exec(message)!;
    expect(Number(line)).toBeGreaterThanOrEqual(6);
    expect(Number(line)).toBeLessThanOrEqual(8);
  });

  it("locates an error in a later document of a file by the file's own lines", () => {
    writeFileSync(join(dir, 'second-doc.yaml'), `${service}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n`);
    const out = runCli(['--config', config, join(dir, 'second-doc.yaml')], noStdin);
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toMatch(/second-doc\.yaml:1[0-2]:\d+: \S/);
  });

  it('names the config file for an error in it', () => {
    writeFileSync(join(dir, 'bad-config.yaml'), sidecarSet.replace('  name: log\n', '  name: [log\n'));
    const out = runCli(['--config', join(dir, 'bad-config.yaml'), join(dir, 'manifests/app.yaml')], noStdin);
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toMatch(/bad-config\.yaml:\d+:\d+: \S/);
  });

  it('writes a .json manifest back as JSON, pretty-printed, and a YAML one as YAML', () => {
    const json = JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } },
      },
    });
    writeFileSync(join(dir, 'web.json'), json + '\n');
    const out = runCli(['--config', config, join(dir, 'web.json')], noStdin);
    expect(out.exitCode, out.stderr).toBe(0);
    const written = JSON.parse(out.stdout);
    expect(written.spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual(['log-agent', 'web']);
    expect(out.stdout).toBe(JSON.stringify(written, null, 2) + '\n');
  });

  it("keeps a pretty-printed .json manifest's own layout, and an untouched one byte for byte", () => {
    const cm = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }, null, 4) + '\n';
    writeFileSync(join(dir, 'cm4.json'), cm);
    expect(runCli(['--config', config, join(dir, 'cm4.json')], noStdin).stdout).toBe(cm);
  });

  it('writes nothing to stdout with an error result', () => {
    const out = runCli(['--config', join(dir, 'bad.yaml'), join(dir, 'manifests/app.yaml')], noStdin);
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toMatch(/\[error\]/);
    expect(out.stdout).toBe('');
  });

  it('reports a missing file in one line, without the raw ENOENT', () => {
    for (const argv of [
      ['--config', join(dir, 'missing.yaml'), join(dir, 'manifests')],
      ['--config', config, join(dir, 'missing-manifest.yaml')],
    ]) {
      const out = runCli(argv, noStdin);
      expect(out.exitCode).toBe(1);
      expect(out.stdout).toBe('');
      expect(out.stderr).toMatch(/^inject-sidecarsets: cannot read .*missing[^:]*\.yaml: no such file or directory\n$/);
      expect(out.stderr).not.toMatch(/ENOENT/);
    }
  });

  it('warns when there is no --config and no SidecarSet among the manifests', () => {
    const out = runCli([join(dir, 'manifests/app.yaml')], noStdin);
    expect(out.exitCode).toBe(0);
    expect(out.stderr).toMatch(/warning: no --config given and no SidecarSet among the manifests/);
    expect(runCli([config, join(dir, 'manifests/app.yaml')], noStdin).stderr).not.toMatch(/no SidecarSet among/);
    expect(runCli(['--config', config, join(dir, 'manifests/app.yaml')], noStdin).stderr).not.toMatch(/no SidecarSet among/);
  });

  it('keeps CRLF line endings, in the documents it leaves alone and in those it changes', () => {
    const crlf = (text: string) => text.replace(/\n/g, '\r\n');
    writeFileSync(join(dir, 'crlf.yaml'), crlf(`${deployment}---\n${service}`));
    const out = runCli(['--config', config, join(dir, 'crlf.yaml')], noStdin);
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.stdout).not.toMatch(/[^\r]\n/);
    expect(out.stdout.endsWith(`---\r\n${crlf(service)}`)).toBe(true);
    expect(docs(out.stdout)[0].spec.template.spec.containers).toHaveLength(2);
  });

  it("keeps a document's text byte for byte whatever its markers: a first ---, `...`, comments on marker lines", () => {
    const stream = `--- # first\n${service}...\n--- # second\n${service.replace('name: web # keep', 'name: other')}`;
    const out = runCli(['--config', config, '-'], () => stream);
    expect(out.stdout).toBe(`${service}---\n${service.replace('name: web # keep', 'name: other')}`);
  });
});
