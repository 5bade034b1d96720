// Entry point: the only place that touches process, stdin/stdout and the file system for the
// KRM and kustomize-plugin modes.
import { runFunction, type RunOutput } from './run.js';
import { HELP } from './modes/help.js';
import { isLegacyPluginCall, legacyPluginResourceList } from './modes/legacy-plugin.js';
import { runCli } from './modes/cli.js';
import { InputError } from './krm/read.js';
import { readStdin, readTextFile } from './modes/io.js';

const CHUNK = 1 << 20;

function emit(out: Pick<RunOutput, 'stderr' | 'exitCode'> & { stdout?: string; output?: readonly string[] }): void {
  process.exitCode = out.exitCode;
  if (out.stderr) process.stderr.write(out.stderr);
  // Never process.exit() after a large write: a pipe would get only its first 128 KiB.
  const parts = out.output ?? (out.stdout ? [out.stdout] : []);
  let pending: string[] = [];
  let size = 0;
  for (const part of parts) {
    pending.push(part);
    size += part.length;
    if (size >= CHUNK) {
      process.stdout.write(pending.join(''));
      pending = [];
      size = 0;
    }
  }
  if (size > 0) process.stdout.write(pending.join(''));
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
  if (isLegacyPluginCall(process.env) && argv.length >= 1) {
    const configPath = argv[0];
    let text: string;
    try {
      text = legacyPluginResourceList(readStdin(), readTextFile(configPath));
    } catch (e) {
      if (!(e instanceof InputError) && !(e as NodeJS.ErrnoException).code) throw e;
      emit({ stdout: '', stderr: `inject-sidecarsets: ${(e as Error).message}\n`, exitCode: 1 });
      return;
    }
    emit(runFunction({ text, configFile: { path: configPath } }));
    return;
  }
  if (argv.length > 0) {
    emit(runCli(argv, readStdin, readTextFile));
    return;
  }
  let input: string;
  try {
    input = readStdin();
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    emit({ stdout: '', stderr: `inject-sidecarsets: ${e.message}\n`, exitCode: 1 });
    return;
  }
  emit(runFunction({ text: input }));
}

try {
  main(process.argv.slice(2));
} catch (e) {
  process.exitCode = 2;
  process.stderr.write(`inject-sidecarsets: internal error: ${(e as Error)?.message ?? String(e)}\n`);
}
