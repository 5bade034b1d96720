// Inputs of LARGE_INPUT_BYTES and more run in a worker thread (src/modes/large-input.ts): the
// process must answer exactly as the in-thread run does, bytes, stderr and exit code.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE, tempDirs } from '../e2e/helpers.js';
import { runFunction } from '../../src/run.js';
import { runCli } from '../../src/modes/cli.js';
import { legacyPluginResourceList } from '../../src/modes/legacy-plugin.js';
import { dedentItem } from '../../src/krm/read.js';
import { LARGE_INPUT_BYTES, sendRun, type WorkerMessage } from '../../src/modes/large-input.js';
import { RESOURCE_LIST_HEAD as HEADER, logSidecarSetItem } from '../helpers/krm.js';

const SIDECAR_SET = logSidecarSetItem('log-agent');
const pod = (i: number, labels = 'app: web') => `- apiVersion: v1
  kind: Pod
  metadata:
    name: web-${i}
    labels:
      ${labels}
  spec:
    containers:
    - name: app
      image: app:${i} # pinned
`;

/** A ResourceList of at least LARGE_INPUT_BYTES, with a tail that decides the outcome. */
function largeList(tail: string): string {
  const pods: string[] = [];
  let size = HEADER.length + SIDECAR_SET.length + tail.length;
  for (let i = 0; size < LARGE_INPUT_BYTES; i++) {
    const text = pod(i);
    pods.push(text);
    size += text.length;
  }
  return HEADER + SIDECAR_SET + pods.join('') + tail;
}

const runBundle = (input: string | Buffer) => spawnSync(process.execPath, [BUNDLE], { input, maxBuffer: 1 << 30 });

describe('large inputs', () => {
  it('give the same output, summary and exit code as the run in the main thread', () => {
    const text = largeList(pod(-1, 'app: other'));
    const child = runBundle(text);
    const inThread = runFunction({ text });
    expect(child.status).toBe(0);
    expect(child.stdout.toString('utf8')).toBe(inThread.stdout);
    expect(child.stderr.toString('utf8')).toBe(inThread.stderr);
    expect(inThread.items.filter((i) => i.changed).length).toBeGreaterThan(1000);
  }, 120_000);

  it('report an error result with exit code 1', () => {
    const invalid = SIDECAR_SET.replace('name: log\n', 'name: Not_A_Name\n');
    const text = largeList(invalid);
    const child = runBundle(text);
    const inThread = runFunction({ text });
    expect(inThread.exitCode).toBe(1);
    expect(child.status).toBe(1);
    expect(child.stderr.toString('utf8')).toBe(inThread.stderr);
  }, 120_000);

  it('refuse invalid UTF-8 as a small input does', () => {
    const bytes = Buffer.concat([Buffer.from(largeList('')), Buffer.from([0xff, 0x0a])]);
    const child = runBundle(bytes);
    expect(child.status).toBe(1);
    expect(child.stdout.length).toBe(0);
    expect(child.stderr.toString('utf8')).toBe('inject-sidecarsets: the input on stdin is not valid UTF-8\n');
  }, 120_000);
});

/** The list's items as a YAML stream, and its SidecarSet as a config file of its own. */
function largeStream(): { stream: string; config: string } {
  const stream = largeList(pod(-1, 'app: other'))
    .slice(HEADER.length + SIDECAR_SET.length)
    .split(/^(?=- )/m)
    .map((item) => dedentItem(item, 0))
    .join('---\n');
  return { stream, config: dedentItem(SIDECAR_SET, 0) };
}

describe('large YAML streams run in the worker too', () => {
  const dirs = tempDirs('large-input-');
  afterAll(dirs.cleanup);

  it('the command-line mode gives the bytes of its run in the main thread', () => {
    const dir = dirs.make();
    const { stream, config } = largeStream();
    writeFileSync(join(dir, 'workloads.yaml'), stream);
    writeFileSync(join(dir, 'sidecarset.yaml'), config);
    const args = ['--config', join(dir, 'sidecarset.yaml'), join(dir, 'workloads.yaml')];
    const child = spawnSync(process.execPath, [BUNDLE, ...args], { maxBuffer: 1 << 30 });
    const inThread = runCli(args, () => '');
    expect(child.status).toBe(0);
    expect(child.stdout.toString('utf8')).toBe(inThread.stdout);
    expect(child.stderr.toString('utf8')).toBe(inThread.stderr);
    expect(inThread.stderr).toMatch(/[1-9]\d{3} of \d+ items injected/);
  }, 120_000);

  it("kustomize's plugin protocol gives the bytes of its run in the main thread", () => {
    const dir = dirs.make();
    const { stream, config } = largeStream();
    writeFileSync(join(dir, 'config.yaml'), config);
    const env = { ...process.env, KUSTOMIZE_PLUGIN_CONFIG_STRING: '' };
    const child = spawnSync(process.execPath, [BUNDLE, join(dir, 'config.yaml')], { input: stream, env, maxBuffer: 1 << 30 });
    const inThread = runFunction({ list: legacyPluginResourceList(stream, config) });
    expect(child.status).toBe(0);
    expect(child.stdout.toString('utf8')).toBe(inThread.stdout);
    expect(child.stderr.toString('utf8')).toBe(inThread.stderr);
  }, 120_000);
});

describe('sendRun', () => {
  it('sends the outcome first, then the output in order and in chunks, then the end', () => {
    const messages: WorkerMessage[] = [];
    const parts = Array.from({ length: 5 }, (_, i) => `${String(i).repeat(700_000)}é\n`);
    sendRun((m) => messages.push(m), { stderr: 'summary\n', exitCode: 1, output: parts });
    expect(messages[0]).toEqual({ kind: 'outcome', stderr: 'summary\n', exitCode: 1 });
    expect(messages.at(-1)).toEqual({ kind: 'end' });
    const chunks = messages.slice(1, -1);
    expect(chunks.length).toBeGreaterThan(1);
    const text = new TextDecoder().decode(Buffer.concat(chunks.map((m) => (m as { bytes: Uint8Array }).bytes)));
    expect(text).toBe(parts.join(''));
  });
});
