// Entry point: the only place that touches process, stdin/stdout and the file system. It reads
// what a run needs (a ResourceList on stdin, kustomize's plugin config and stream, the files the
// command line names) into a job, runs the job, here or, when its input is large, in a worker
// thread (modes/large-input.ts), and writes what the job gives back.
import { runFunction } from './run.js';
import { HELP } from './modes/help.js';
import { isLegacyPluginCall, legacyPluginResourceList, legacyPluginSyntaxError } from './modes/legacy-plugin.js';
import { transformerFile } from './modes/kustomize-origin.js';
import { SPEC_FROM_STRINGS_FLAG, specFromStringsCall } from './modes/spec-from-strings.js';
import { parseCliArgs, readCliInput, runCliOn, usageError, type CliArgs, type CliInput } from './modes/cli.js';
import { InputError } from './krm/read.js';
import type { FileRef } from './krm/results.js';
import { STDIN, decodeUtf8, joinedInChunks, readStdin, readStdinBytes, readTextFile, readTextFileIfAny } from './modes/io.js';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { LARGE_INPUT_BYTES, ownBuffer, sendRun, startWorker, type WorkerMessage } from './modes/large-input.js';

/** A run's input, read, and what to do with it. */
type Job =
  | { kind: 'resourceList'; bytes: Uint8Array }
  | { kind: 'plugin'; stream: Uint8Array; configText: string; configFile?: FileRef }
  | { kind: 'cli'; args: CliArgs; input: CliInput; colour: boolean };

/** What a job gives back: stdout in pieces, stderr and the exit code. */
interface Outcome {
  output: readonly string[];
  stderr: string;
  exitCode: number;
}

function emit(out: Outcome): void {
  process.exitCode = out.exitCode;
  if (out.stderr) process.stderr.write(out.stderr);
  // Never process.exit() after a large write: a pipe would get only its first 128 KiB.
  for (const chunk of joinedInChunks(out.output)) process.stdout.write(chunk);
}

const failure = (message: string): Outcome => ({ output: [], stderr: `inject-sidecarsets: ${message}\n`, exitCode: 1 });

function main(argv: string[]): void {
  // A reader that closes early (`| head -1`) is not an error worth a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') process.stderr.write(`inject-sidecarsets: cannot write output: ${e.message}\n`);
    process.exitCode = process.exitCode || 1;
  });
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP);
    return;
  }
  if (argv.length === 1 && argv[0] === SPEC_FROM_STRINGS_FLAG) {
    const out = specFromStringsCall(readStdin());
    emit({ ...out, output: [out.stdout] });
    return;
  }
  const job = readJob(argv);
  if (!('kind' in job)) emit(job);
  else if (jobSize(job) >= LARGE_INPUT_BYTES) runInWorker(job);
  else emit(runJob(job));
}

/** The input of the run the arguments and the environment ask for; an outcome when it cannot be read. */
function readJob(argv: string[]): Job | Outcome {
  if (isLegacyPluginCall(process.env) && argv.length >= 1) {
    let configText: string;
    try {
      configText = readTextFile(argv[0]);
    } catch (e) {
      if (!(e instanceof InputError) && !(e as NodeJS.ErrnoException).code) throw e;
      return failure((e as Error).message);
    }
    // kustomize's config file is a temporary copy: results name the transformer file it came from.
    const configRoot = process.env.KUSTOMIZE_PLUGIN_CONFIG_ROOT;
    const configFile = configRoot ? transformerFile(configText, configRoot, readTextFileIfAny) : undefined;
    return { kind: 'plugin', stream: readStdinBytes(), configText, configFile };
  }
  if (argv.length > 0) {
    const args = parseCliArgs(argv);
    if (typeof args === 'string') return usageError(args);
    // Manifests stay bytes until the run decodes them: a large run moves them to its worker as they are.
    const input = readCliInput(args, readStdin, readTextFile, (path) => readFileSync(path));
    // Diffs get colour on a terminal only, and never with NO_COLOR set (no-color.org).
    return 'manifests' in input ? { kind: 'cli', args, input, colour: process.stdout.isTTY === true && !process.env.NO_COLOR } : input;
  }
  return { kind: 'resourceList', bytes: readStdinBytes() };
}

function jobSize(job: Job): number {
  if (job.kind === 'resourceList') return job.bytes.length;
  if (job.kind === 'plugin') return job.stream.length;
  return job.input.manifests.reduce((size, manifest) => size + manifest.text.length, 0);
}

/** The pure part of a run: the same in the main thread and in the worker. */
function runJob(job: Job): Outcome {
  if (job.kind === 'cli') return runCliOn(job.args, job.input, job.colour);
  try {
    if (job.kind === 'resourceList') return runFunction({ text: decodeUtf8(job.bytes, STDIN) });
    return runPlugin(decodeUtf8(job.stream, STDIN), job.configText, job.configFile);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return failure(e.message);
  }
}

function runPlugin(stream: string, configText: string, configFile: FileRef | undefined): Outcome {
  const out = runFunction({ list: legacyPluginResourceList(stream, configText), configFile });
  // The documents are parsed as the function needs them: a YAML error is located only once it stopped the run.
  const located = out.exitCode !== 0 && out.output.length === 0 ? legacyPluginSyntaxError(stream, configText) : undefined;
  return located ? failure(located) : out;
}

/** The job's bytes, each given a buffer of its own, so that they move to the worker instead of being copied. */
function movableBytes(job: Job): Uint8Array[] {
  if (job.kind === 'resourceList') return [(job.bytes = ownBuffer(job.bytes))];
  if (job.kind === 'plugin') return [(job.stream = ownBuffer(job.stream))];
  return job.input.manifests.flatMap((manifest) => (typeof manifest.text === 'string' ? [] : [(manifest.text = ownBuffer(manifest.text))]));
}

function runInWorker(job: Job): void {
  const worker = startWorker(new URL(import.meta.url), job, movableBytes(job));
  let finished = false;
  worker.on('message', (message: WorkerMessage) => {
    if (message.kind === 'outcome') {
      process.exitCode = message.exitCode;
      if (message.stderr) process.stderr.write(message.stderr);
    } else if (message.kind === 'output') {
      process.stdout.write(message.bytes);
    } else {
      finished = true;
    }
  });
  worker.on('error', (e) => {
    finished = true;
    internalError(e);
  });
  worker.on('exit', () => {
    if (!finished) internalError(new Error('the worker stopped without a result'));
  });
}

function internalError(e: unknown): void {
  process.exitCode = 2;
  process.stderr.write(`inject-sidecarsets: internal error: ${(e as Error)?.message ?? String(e)}\n`);
}

if (isMainThread) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    internalError(e);
  }
} else {
  // The worker of runInWorker: an uncaught error reaches the main thread's 'error' handler.
  const port = parentPort as NonNullable<typeof parentPort>;
  sendRun((message, transfer) => port.postMessage(message, transfer), runJob(workerData as Job));
}
