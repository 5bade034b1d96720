// Large ResourceLists run in a worker thread whose young generation is bigger than node's default.
// A render allocates many short-lived objects per item; with node's 16 MB semi-spaces the
// scavenger runs thousands of times over a 50 MB input and copies survivors each time. A bigger
// young generation cannot be asked for at run time in the main thread (V8 reads the flag at
// start-up), but a worker takes it as a resource limit. Small inputs stay in the main thread: a
// worker costs a second isolate and a second load of the bundle (tens of milliseconds).
import { Worker } from 'node:worker_threads';
import { joinedInChunks } from './io.js';

/** Inputs from this many bytes (characters, for text read already) on run in the worker. */
export const LARGE_INPUT_BYTES = 8 << 20;
/** Three semi-spaces' worth: 32 MB semi-spaces halve the scavenges of a 50 MB run. */
const YOUNG_GENERATION_MB = 96;

/** What the worker sends: the outcome first, then the output in order, then the end. */
export type WorkerMessage = { kind: 'outcome'; stderr: string; exitCode: number } | { kind: 'output'; bytes: Uint8Array } | { kind: 'end' };

/**
 * Starts the worker on a job, which is cloned, except for the buffers of `owned`, which are moved:
 * the caller must not use those bytes again.
 */
export function startWorker(entry: URL, job: unknown, owned: readonly Uint8Array[] = []): Worker {
  return new Worker(entry, {
    workerData: job,
    transferList: owned.map((bytes) => bytes.buffer as ArrayBuffer),
    resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    stdout: false,
    stderr: false,
  });
}

/** The bytes, in a buffer of their own (so that moving it moves nothing else). */
export function ownBuffer(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

/** In the worker: send the run's outcome and output to the main thread. */
export function sendRun(
  post: (message: WorkerMessage, transfer?: ArrayBuffer[]) => void,
  run: { stderr: string; exitCode: number; output: readonly string[] },
): void {
  post({ kind: 'outcome', stderr: run.stderr, exitCode: run.exitCode });
  // Encoded here, so that the main thread only writes bytes.
  const encoder = new TextEncoder();
  for (const chunk of joinedInChunks(run.output)) {
    const bytes = encoder.encode(chunk);
    post({ kind: 'output', bytes }, [bytes.buffer as ArrayBuffer]);
  }
  post({ kind: 'end' });
}
