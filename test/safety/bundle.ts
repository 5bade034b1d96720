// Runs the real bundle as a child process: what kpt, kustomize and Argo CD run. A hang or a crash
// shows up here as a timeout or a signal, not as a stuck test worker.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BUNDLE = `${ROOT}dist/inject-sidecarsets.js`;

export interface BundleRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  millis: number;
  timedOut: boolean;
}

export function runBundle(input: string | Buffer, timeoutMs = 10_000): BundleRun {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`npm run build\` (npm test does it first)`);
  const started = performance.now();
  const r = spawnSync(process.execPath, [BUNDLE], {
    input,
    timeout: timeoutMs,
    maxBuffer: 512 * 1024 * 1024,
    encoding: 'utf8',
  });
  const millis = performance.now() - started;
  const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  return { exitCode: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', millis, timedOut };
}

/** A Node stack frame or an uncaught-error banner: never acceptable on stderr. */
export const STACK_TRACE = /^\s{4}at |^\w*Error:|^node:internal|Uncaught/m;
