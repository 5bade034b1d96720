// `npm start`: the README's first command runs the bundle on examples/quickstart.yaml. A newcomer's
// first render must be clean: no warning, and nothing on the template beyond what Kruise's webhook
// writes except the one record the README explains.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { scripts: Record<string, string> };

describe('npm start', () => {
  // The script itself, not a copy of it: what the README promises is what `npm start` runs.
  const start = spawnSync('sh', ['-c', pkg.scripts.start!], { cwd: root, encoding: 'utf8' });

  it('succeeds with a summary and no warning or error', () => {
    expect(start.status, start.stderr).toBe(0);
    expect(start.stderr).toBe('inject-sidecarsets: 1 of 3 items injected by 1 SidecarSet(s); 0 error(s), 0 warning(s)\n');
  });

  it('reports only the injection among its results', () => {
    const list = YAML.parse(start.stdout) as { results?: { severity: string; message: string }[] };
    expect(list.results?.map((r) => r.severity)).toEqual(['info']);
    expect(list.results?.[0]?.message).toMatch(/^injected log-agent into spec\.template from SidecarSet log-sidecar$/);
  });

  it("adds Kruise's annotations to the template and one record of its own, which the README explains", () => {
    const list = YAML.parse(start.stdout) as { items: { kind: string; spec?: { template?: { metadata?: { annotations?: object } } } }[] };
    const deployment = list.items.find((i) => i.kind === 'Deployment');
    expect(Object.keys(deployment?.spec?.template?.metadata?.annotations ?? {}).sort()).toEqual([
      'inject-sidecarsets.kpt.dev/injections',
      'kruise.io/sidecarset-hash',
      'kruise.io/sidecarset-hash-without-image',
      'kruise.io/sidecarset-injected-list',
    ]);
    const readme = readFileSync(`${root}/README.md`, 'utf8');
    const quickStart = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## What it reads'));
    expect(quickStart).toMatch(/`inject-sidecarsets\.kpt\.dev\/injections`[^]*"Several SidecarSets, several steps"/);
  });
});
