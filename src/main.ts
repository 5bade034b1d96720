// Entry point: the only place that touches process, stdin/stdout and the file system for the
// KRM and kustomize-plugin modes.
import { runFunction, type RunOutput } from './run.js';
import { HELP } from './modes/help.js';
import { isLegacyPluginCall, legacyPluginResourceList, legacyPluginSyntaxError } from './modes/legacy-plugin.js';
import { transformerFile } from './modes/kustomize-origin.js';
import { SPEC_FROM_STRINGS_FLAG, specFromStringsCall } from './modes/spec-from-strings.js';
import { runCli } from './modes/cli.js';
import { InputError } from './krm/read.js';
import { STDIN, decodeUtf8, joinedInChunks, readStdin, readStdinBytes, readTextFile, readTextFileIfAny } from './modes/io.js';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { LARGE_INPUT_BYTES, sendRun, startWorker, type WorkerMessage } from './modes/large-input.js';

function emit(out: Pick<RunOutput, 'stderr' | 'exitCode'> & { stdout?: string; output?: readonly string[] }): void {
  process.exitCode = out.exitCode;
  if (out.stderr) process.stderr.write(out.stderr);
  // Never process.exit() after a large write: a pipe would get only its first 128 KiB.
  for (const chunk of joinedInChunks(out.output ?? (out.stdout ? [out.stdout] : []))) process.stdout.write(chunk);
}

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
    emit(specFromStringsCall(readStdin()));
    return;
  }
  if (isLegacyPluginCall(process.env) && argv.length >= 1) {
    const configPath = argv[0];
    let configText: string;
    let text: string;
    let stream: string;
    try {
      configText = readTextFile(configPath);
      stream = readStdin();
      text = legacyPluginResourceList(stream, configText);
    } catch (e) {
      if (!(e instanceof InputError) && !(e as NodeJS.ErrnoException).code) throw e;
      emit({ stdout: '', stderr: `inject-sidecarsets: ${(e as Error).message}\n`, exitCode: 1 });
      return;
    }
    // kustomize's config file is a temporary copy: results name the transformer file it came from.
    const configRoot = process.env.KUSTOMIZE_PLUGIN_CONFIG_ROOT;
    const origin = configRoot ? transformerFile(configText, configRoot, readTextFileIfAny) : undefined;
    const out = runFunction({ text, configFile: origin });
    // The documents are parsed as the function needs them: a YAML error is located only once it stopped the run.
    const located = out.exitCode !== 0 && out.output.length === 0 ? legacyPluginSyntaxError(stream, configText) : undefined;
    emit(located ? { stdout: '', stderr: `inject-sidecarsets: ${located}\n`, exitCode: out.exitCode } : out);
    return;
  }
  if (argv.length > 0) {
    // Diffs get colour on a terminal only, and never with NO_COLOR set (no-color.org).
    emit(runCli(argv, readStdin, readTextFile, process.stdout.isTTY === true && !process.env.NO_COLOR));
    return;
  }
  const bytes = readStdinBytes();
  if (bytes.length >= LARGE_INPUT_BYTES) {
    runInWorker(bytes);
    return;
  }
  emit(runOnBytes(bytes));
}

function runOnBytes(bytes: Uint8Array): RunOutput | { stdout: string; stderr: string; exitCode: number; output: string[] } {
  try {
    return runFunction({ text: decodeUtf8(bytes, STDIN) });
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return { stdout: '', output: [], stderr: `inject-sidecarsets: ${e.message}\n`, exitCode: 1 };
  }
}

function runInWorker(bytes: Uint8Array): void {
  const worker = startWorker(new URL(import.meta.url), bytes);
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
  sendRun((message, transfer) => port.postMessage(message, transfer), runOnBytes(workerData as Uint8Array));
}
