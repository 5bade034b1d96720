// Comments through kpt (issue 17, §2). kpt never sends a function the comment before a document
// that a blank line separates from it (a license header): kyaml writes each item's content node,
// not its document node (kyaml/kio/byteio_writer.go, ByteWriter.Write). It puts such comments back
// by copying the input's comments onto the output item with the same id annotation
// (kyaml/fn/runtime/runtimeutil/runtimeutil.go, FunctionFilter.copyCommentsAndSyncOrder), and that
// copy pairs list elements by position (kyaml/comments/comments.go, copier.VisitList). So the
// function keeps the ids, and the header survives; and a sidecar inserted before the app container
// receives copies of the app container's comments, which the function cannot prevent without
// losing the header (README, Known limitations).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  assertTools,
  describeRun,
  find,
  parseStream,
  runCommand,
  skipWithout,
  tempDirs,
  templateContainers,
  writeTree,
  kptfile,
  bundleOnPath,
} from './helpers.js';
import { deploymentHead } from '../helpers/manifest-text.js';

const skip = skipWithout('kpt and comments', ['kpt']);

const LICENSE = '# Copyright 2026 The Web Authors\n#\n# Licensed under the Apache License, Version 2.0\n';

const DEPLOYMENT = `${LICENSE}
# the web app
${deploymentHead('web')}    spec:
      containers:
        - name: app
          # pinned by the platform team
          image: nginx:1.27 # app image
          ports:
            - containerPort: 80 # http
`;

const sidecarSet = (app: string) => `apiVersion: apps.kruise.io/v1beta1
kind: SidecarSet
metadata:
  name: log-agent
  annotations:
    config.kubernetes.io/local-config: "true"
spec:
  selector:
    matchLabels:
      app: ${app}
  containers:
    - name: log-agent
      image: busybox:1.36
`;

const KPTFILE = kptfile('pkg', 'mutators:\n  - name: inject-sidecarsets\n    exec: inject-sidecarsets\n    configPath: sidecarset.yaml\n');

/** The lines of the injected sidecar, from its `- name:` line to the app container's. */
function sidecarLines(text: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trim() === '- name: log-agent');
  const end = lines.findIndex((l) => l.trim() === '- name: app');
  expect(start, text).toBeGreaterThanOrEqual(0);
  expect(end, text).toBeGreaterThan(start);
  return lines.slice(start, end);
}

const count = (text: string, needle: string) => text.split(needle).length - 1;

describe.skipIf(skip)('kpt and comments', () => {
  const temp = tempDirs('inject-kpt-comments');
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    assertTools(['kpt']);
    env = bundleOnPath(temp.make).env;
  });
  afterAll(() => temp.cleanup());

  const runners = {
    'kpt fn eval --exec': (dir: string) =>
      runCommand('kpt', ['fn', 'eval', join(dir, 'pkg'), '--exec', 'inject-sidecarsets', '--fn-config', join(dir, 'pkg/sidecarset.yaml')], {
        env,
      }),
    'kpt fn render': (dir: string) => runCommand('kpt', ['fn', 'render', '--allow-exec', join(dir, 'pkg')], { env }),
  };
  const packageWith = (app: string) => {
    const dir = temp.make();
    writeTree(dir, { 'pkg/Kptfile': KPTFILE, 'pkg/deploy.yaml': DEPLOYMENT, 'pkg/sidecarset.yaml': sidecarSet(app) });
    return dir;
  };
  const deployment = (dir: string) => readFileSync(join(dir, 'pkg/deploy.yaml'), 'utf8');

  for (const [name, runKpt] of Object.entries(runners)) {
    it(`${name}: an injected file keeps its header and its comments, and a second run changes nothing`, () => {
      const dir = packageWith('web');
      const first = runKpt(dir);
      expect(first.status, describeRun(name, first)).toBe(0);
      const text = deployment(dir);
      expect(templateContainers(find(parseStream(text), 'Deployment', 'web'))).toEqual(['log-agent', 'app']);
      // (kpt drops the blank line after the header, even with `cat` for a function.)
      expect(text.startsWith(`${LICENSE}# the web app\napiVersion: apps/v1\n`), text).toBe(true);
      for (const comment of ['# Copyright', '# the web app', '# http']) expect(count(text, comment), comment).toBe(1);
      expect(text).toContain('          # pinned by the platform team\n          image: nginx:1.27 # app image\n');
      const second = runKpt(dir);
      expect(second.status, describeRun(`${name} #2`, second)).toBe(0);
      expect(deployment(dir)).toBe(text);
    });

    // BUG (kpt, see above): the sidecar's `image:` gets `# app image` and the head comment above it.
    it.fails(`${name}: a sidecar inserted before the app container carries none of its comments`, () => {
      const dir = packageWith('web');
      expect(runKpt(dir).status).toBe(0);
      expect(sidecarLines(deployment(dir)).filter((l) => l.includes('#'))).toEqual([]);
    });

    // BUG (kpt, see above): the app container, now first, gets the removed sidecar's comment.
    it.fails(`${name}: an app container after a sidecar the function removes gets none of the sidecar's comments`, () => {
      const dir = packageWith('web');
      expect(runKpt(dir).status).toBe(0);
      // The user comments the injected sidecar; then the SidecarSet stops selecting the Deployment.
      const injected = deployment(dir).replace('image: busybox:1.36', 'image: busybox:1.36 # sidecar image');
      writeFileSync(
        join(dir, 'pkg/deploy.yaml'),
        injected.replace(' # app image', '').replace('          # pinned by the platform team\n', ''),
      );
      writeFileSync(join(dir, 'pkg/sidecarset.yaml'), sidecarSet('nothing'));
      const removed = runKpt(dir);
      expect(removed.status, describeRun(name, removed)).toBe(0);
      const text = deployment(dir);
      expect(templateContainers(find(parseStream(text), 'Deployment', 'web'))).toEqual(['app']);
      expect(text).toContain('        - name: app\n          image: nginx:1.27\n');
    });
  }
});
