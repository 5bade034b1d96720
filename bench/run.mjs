#!/usr/bin/env node
// `npm run bench`: times the built function against the YAML parse floor and a naive `yaml`
// round trip on synthetic ResourceLists, then its share of a `kpt fn eval`. See bench/README.md.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH_DIR);
const CACHE_DIR = path.join(BENCH_DIR, '.cache');
const RESULTS_DIR = path.join(BENCH_DIR, 'results');
const GNU_TIME = '/usr/bin/time';
const KPT = '/usr/bin/kpt';

/**
 * @typedef {{ id: string, workloads: number, sidecarSets: number, runs: number, naiveRuns: number,
 *             quickRuns: number, quickNaiveRuns: number, budgetSeconds: number }} Size
 * @typedef {{ wallMs: number, rssKiB: number | null, exitCode: number | null, signal: string | null,
 *             timedOut: boolean, stderrTail: string }} Measurement
 * @typedef {{ name: string, command: string[], runs: Measurement[] }} Series
 */

// Runs are whole-process runs of each command, fewer for the big sizes so that a full run stays
// under about 15 minutes on 2 cores; a command whose first run is slow gets only as many runs as fit
// in the size's budget (at least one). The naive `yaml` Document needs about 55 bytes of memory per
// input byte and 5 s per MB: one run at 10k workloads (52 MB) takes about a minute and 3 GB, and
// 50k workloads (260 MB) would outgrow node's default 4 GB heap, so it is skipped there.
/** @type {Size[]} */
const SIZES = [
  { id: '1', workloads: 1, sidecarSets: 20, runs: 15, naiveRuns: 15, quickRuns: 5, quickNaiveRuns: 5, budgetSeconds: 60 },
  { id: '1k', workloads: 1_000, sidecarSets: 20, runs: 9, naiveRuns: 5, quickRuns: 3, quickNaiveRuns: 1, budgetSeconds: 120 },
  { id: '10k', workloads: 10_000, sidecarSets: 20, runs: 5, naiveRuns: 1, quickRuns: 1, quickNaiveRuns: 0, budgetSeconds: 180 },
  { id: '50k', workloads: 50_000, sidecarSets: 20, runs: 3, naiveRuns: 0, quickRuns: 1, quickNaiveRuns: 0, budgetSeconds: 240 },
  { id: '10k-500', workloads: 10_000, sidecarSets: 500, runs: 3, naiveRuns: 1, quickRuns: 1, quickNaiveRuns: 0, budgetSeconds: 180 },
];
const KPT_BUDGET_SECONDS = 120;
const QUICK_SIZES = ['1', '1k', '10k', '10k-500'];

const USAGE = `usage: node bench/run.mjs [options]
  --quick                 fewer runs, sizes ${QUICK_SIZES.join(',')} and a short kpt comparison
  --sizes a,b             sizes to run, of: ${SIZES.map((size) => size.id).join(', ')}
  --runs N                runs of the function and the floor for every size (overrides the defaults)
  --naive-runs N          runs of the naive reference for every size (default: the size's, at most --runs)
  --seed N                generator seed (default 20251124)
  --fn "CMD ARGS"         the function command (default: node dist/inject-sidecarsets.js)
  --sidecarsets-as MODE   functionConfig (default) or items
  --kpt-workloads N       workloads in the kpt package (default 1000); 0 skips the kpt comparison
  --kpt-runs N            runs of each kpt command (default 3, quick 1)
  --timeout S             kill a run after S seconds (default 600)
  --entry-sizes N,N       workloads for the entry-point comparison (default 1000,10000; quick 1000); 0 skips it
  --entry-runs N          runs of each entry point (default 3, quick 1)
  --baseline "CMD ARGS"   another build of the function, run beside it at every entry point (before/after)
  --kustomize-workloads N workloads under kubectl kustomize, ours vs a no-op plugin (default 1000); 0 skips it`;

function parseArguments(argv) {
  const options = {
    quick: false, sizes: /** @type {string[] | undefined} */ (undefined), runs: /** @type {number | undefined} */ (undefined),
    naiveRuns: /** @type {number | undefined} */ (undefined),
    seed: 20251124, fn: 'node dist/inject-sidecarsets.js', sidecarSetsAs: 'functionConfig',
    kptWorkloads: 1000, kptRuns: /** @type {number | undefined} */ (undefined), timeoutSeconds: 600,
    entrySizes: /** @type {number[] | undefined} */ (undefined), entryRuns: /** @type {number | undefined} */ (undefined),
    kustomizeWorkloads: 1000, baseline: /** @type {string | undefined} */ (undefined),
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${flag} needs a value`);
      return argv[++i];
    };
    const count = () => {
      const number = Number(value());
      if (!Number.isInteger(number) || number < 0) throw new Error(`${flag} needs a whole number`);
      return number;
    };
    if (flag === '--quick') options.quick = true;
    else if (flag === '--sizes') options.sizes = value().split(',').map((id) => id.trim()).filter(Boolean);
    else if (flag === '--runs') options.runs = Math.max(1, count());
    else if (flag === '--naive-runs') options.naiveRuns = count();
    else if (flag === '--seed') options.seed = count();
    else if (flag === '--fn') options.fn = value();
    else if (flag === '--sidecarsets-as') options.sidecarSetsAs = value();
    else if (flag === '--kpt-workloads') options.kptWorkloads = count();
    else if (flag === '--kpt-runs') options.kptRuns = Math.max(1, count());
    else if (flag === '--timeout') options.timeoutSeconds = Math.max(1, count());
    else if (flag === '--entry-sizes') options.entrySizes = value().split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
    else if (flag === '--entry-runs') options.entryRuns = Math.max(1, count());
    else if (flag === '--baseline') options.baseline = value();
    else if (flag === '--kustomize-workloads') options.kustomizeWorkloads = count();
    else if (flag === '--help' || flag === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown option ${flag}\n${USAGE}`);
  }
  if (!['functionConfig', 'items'].includes(options.sidecarSetsAs)) throw new Error('--sidecarsets-as: functionConfig or items');
  const known = new Set(SIZES.map((size) => size.id));
  for (const id of options.sizes ?? []) if (!known.has(id)) throw new Error(`unknown size ${id}\n${USAGE}`);
  return options;
}

/** Splits a command string like a shell would for simple cases (quotes, no expansions). */
function splitCommand(command) {
  const words = [...command.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((match) => match[1] ?? match[2] ?? match[3]);
  if (words.length === 0) throw new Error('empty command');
  return words;
}

// ---- inputs -------------------------------------------------------------------------------------

/** Bundles generate.ts once per version of its sources; the hash also keys the cached inputs. */
async function loadGenerator() {
  const sources = ['generate.ts', 'yaml-emit.ts'].map((file) => readFileSync(path.join(BENCH_DIR, file)));
  const hash = createHash('sha256').update(Buffer.concat(sources)).digest('hex').slice(0, 12);
  const bundle = path.join(CACHE_DIR, `generate-${hash}.mjs`);
  if (!existsSync(bundle)) {
    await build({
      entryPoints: [path.join(BENCH_DIR, 'generate.ts')],
      bundle: true, format: 'esm', platform: 'node', target: 'node20', outfile: bundle, logLevel: 'warning',
    });
  }
  /** @type {typeof import('./generate.js')} */
  const generator = await import(pathToFileURL(bundle).href);
  return { generator, hash };
}

/** The cached ResourceList for a size, generated on first use. */
function inputFor(generator, hash, workloads, sidecarSets, seed, sidecarSetsAs) {
  const key = `w${workloads}-s${sidecarSets}-${sidecarSetsAs}-seed${seed}-${hash}`;
  const file = path.join(CACHE_DIR, 'inputs', `${key}.yaml`);
  const infoFile = `${file}.json`;
  if (!existsSync(file) || !existsSync(infoFile)) {
    mkdirSync(path.dirname(file), { recursive: true });
    process.stderr.write(`  generating ${key} ... `);
    const started = Date.now();
    const generated = generator.generatePackage({ workloads, sidecarSets, seed, sidecarSetsAs });
    writeFileSync(`${file}.tmp`, generator.renderResourceList(generated));
    cpSync(`${file}.tmp`, file);
    rmSync(`${file}.tmp`);
    writeFileSync(infoFile, JSON.stringify({ items: generated.resources.length }));
    process.stderr.write(`${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
  const { items } = JSON.parse(readFileSync(infoFile, 'utf8'));
  return { file, items, bytes: statSync(file).size };
}

/** The same package as files plus a fn-config file, for kpt. */
function kptPackageFor(generator, hash, workloads, sidecarSets, seed) {
  const directory = path.join(CACHE_DIR, 'kpt', `w${workloads}-s${sidecarSets}-seed${seed}-${hash}`);
  const packageDir = path.join(directory, 'pkg');
  const configFile = path.join(directory, 'fn-config.yaml');
  const infoFile = path.join(directory, 'info.json');
  if (!existsSync(infoFile)) {
    rmSync(directory, { recursive: true, force: true });
    const generated = generator.generatePackage({ workloads, sidecarSets, seed, sidecarSetsAs: 'functionConfig' });
    const files = generator.renderPackageFiles(generated);
    for (const file of files) {
      const target = path.join(packageDir, file.path);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, file.text);
    }
    writeFileSync(configFile, generator.renderFunctionConfigFile(generated) ?? '');
    writeFileSync(infoFile, JSON.stringify({ files: files.length }));
  }
  const { files } = JSON.parse(readFileSync(infoFile, 'utf8'));
  return { packageDir, configFile, files };
}

/**
 * One package for every entry point: a ResourceList of its documents (with the config as
 * functionConfig), the documents as one YAML stream, the package's files (one workload each) and
 * the config file; and a kustomization over the same files with the config as its transformer.
 */
function entryInputsFor(generator, hash, workloads, seed) {
  const directory = path.join(CACHE_DIR, 'entry', `w${workloads}-s20-seed${seed}-${hash}`);
  const inputs = {
    directory,
    resourceList: path.join(directory, 'resource-list.yaml'),
    stream: path.join(directory, 'stream.yaml'),
    config: path.join(directory, 'config.yaml'),
    packageDir: path.join(directory, 'pkg'),
    kustomization: path.join(directory, 'kustomize'),
  };
  const infoFile = path.join(directory, 'info.json');
  if (!existsSync(infoFile)) {
    rmSync(directory, { recursive: true, force: true });
    const generated = generator.generatePackage({ workloads, sidecarSets: 20, seed, sidecarSetsAs: 'functionConfig' });
    const files = generator.renderPackageFiles(generated);
    for (const file of files) {
      for (const root of [inputs.packageDir, inputs.kustomization]) {
        mkdirSync(path.dirname(path.join(root, file.path)), { recursive: true });
        writeFileSync(path.join(root, file.path), file.text);
      }
    }
    const documents = files.flatMap((file) => file.text.split(/^---\n/m));
    const config = generator.renderFunctionConfigFile(generated) ?? '';
    writeFileSync(inputs.stream, documents.join('---\n'));
    writeFileSync(inputs.config, config);
    // A document as a list item, its head comment after the `-` as kpt writes it.
    const asItem = (text) => text.replace(/^(?=.)/gm, '  ').replace(/^ {2}/, '- ');
    writeFileSync(inputs.resourceList, `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n${documents.map(asItem).join('')}functionConfig:\n${config.replace(/^(?=.)/gm, '  ')}`);
    writeFileSync(path.join(inputs.kustomization, 'transformer.yaml'), config);
    writeFileSync(path.join(inputs.kustomization, 'kustomization.yaml'), `resources:\n${files.map((file) => `- ${file.path}\n`).join('')}transformers:\n- transformer.yaml\n`);
    writeFileSync(infoFile, JSON.stringify({ files: files.length, documents: documents.length, bytes: statSync(inputs.stream).size }));
  }
  return { ...inputs, ...JSON.parse(readFileSync(infoFile, 'utf8')) };
}

/** A kustomize plugin home whose exec plugin for the config's kind runs `command` (with kustomize's arguments, or without). */
function pluginHome(scratch, name, command, passArguments) {
  const home = path.join(scratch, name);
  const dir = path.join(home, 'fn.kpt.dev/v1alpha1/injectsidecarsets');
  mkdirSync(dir, { recursive: true });
  const quoted = command.map((word) => `'${word.replace(/'/g, "'\\''")}'`).join(' ');
  writeFileSync(path.join(dir, 'InjectSidecarSets'), `#!/bin/sh\nexec ${quoted}${passArguments ? ' "$@"' : ''}\n`, { mode: 0o755 });
  return home;
}

// ---- measuring ----------------------------------------------------------------------------------

const haveGnuTime = existsSync(GNU_TIME);

/**
 * Runs one command to completion: wall time from spawn to exit, peak RSS from GNU time (or, for node
 * commands without it, from report-rss.mjs preloaded into the child).
 * @returns {Promise<Measurement>}
 */
function measure(command, { stdinFile, stdoutFile = '/dev/null', timeoutSeconds, cwd = ROOT, extraEnv = {} }) {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'bench-rss-'));
  const rssFile = path.join(scratch, 'rss');
  const env = { ...process.env, ...extraEnv };
  let argv = command;
  if (haveGnuTime) argv = [GNU_TIME, '-f', '%M', '-o', rssFile, ...command];
  else {
    env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --import=${pathToFileURL(path.join(BENCH_DIR, 'report-rss.mjs')).href}`;
    env.BENCH_RSS_FILE = rssFile;
  }
  const stdin = stdinFile === undefined ? 'ignore' : openSync(stdinFile, 'r');
  const stdout = openSync(stdoutFile, 'w');
  return new Promise((resolve) => {
    let stderr = '';
    let timedOut = false;
    const started = process.hrtime.bigint();
    const child = spawn(argv[0], argv.slice(1), { cwd, env, stdio: [stdin, stdout, 'pipe'], detached: true });
    child.stderr.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutSeconds * 1000);
    let wallMs = 0;
    child.on('exit', () => {
      wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    });
    child.on('error', (error) => {
      stderr += String(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (typeof stdin === 'number') closeSync(stdin);
      closeSync(stdout);
      const report = existsSync(rssFile) ? readFileSync(rssFile, 'utf8').trim().split('\n') : [];
      rmSync(scratch, { recursive: true, force: true });
      const rss = Number(report.at(-1));
      // GNU time reports a child killed by a signal on its first line, and exits with 128+N itself.
      const killedBy = report.find((line) => line.startsWith('Command terminated by signal'));
      resolve({
        wallMs,
        rssKiB: Number.isFinite(rss) && rss > 0 ? rss : null,
        exitCode: killedBy ? null : code,
        signal: killedBy ? `signal ${killedBy.split(' ').at(-1)}` : signal,
        timedOut,
        stderrTail: stderr.trim().split('\n').slice(-3).join('\n'),
      });
    });
  });
}

const succeeded = (/** @type {Measurement} */ run) => run.exitCode === 0 && !run.timedOut;

function median(values) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** @param {Series} series */
function summarize(series) {
  const good = series.runs.filter(succeeded);
  const walls = good.map((run) => run.wallMs);
  const rss = good.map((run) => run.rssKiB).filter((value) => value !== null);
  const failure = series.runs.find((run) => !succeeded(run));
  return {
    command: series.command.join(' '),
    runs: series.runs.length,
    ok: good.length,
    wallMs: { median: median(walls), min: walls.length ? Math.min(...walls) : null, max: walls.length ? Math.max(...walls) : null, all: walls },
    rssKiB: { median: median(rss), min: rss.length ? Math.min(...rss) : null, max: rss.length ? Math.max(...rss) : null, all: rss },
    failure: failure && {
      exitCode: failure.exitCode, signal: failure.signal, timedOut: failure.timedOut, stderrTail: failure.stderrTail,
    },
  };
}

function progress(text) {
  if (process.stderr.isTTY) process.stderr.write(`\r${text}`.padEnd(78));
}

/**
 * @typedef {{ name: string, command: string[], runs: number, stdinFile?: string, keepFirstOutput?: boolean, env?: Record<string, string> }} Planned
 * @typedef {{ budgetSeconds?: number, timeoutSeconds: number, label: string, beforeEach?: () => void }} Plan
 */

/**
 * Runs the commands interleaved (a, b, c, a, b, c, …) so drifting load hits them all alike. With a
 * budget, a command whose first run is slow gets fewer runs (at least one): the full benchmark has
 * to stay affordable whatever state the function under test is in.
 * @param {Planned[]} commands
 * @param {Plan} plan
 */
async function runInterleaved(commands, plan) {
  const series = commands.map((planned) => ({ ...planned, limit: planned.runs, runs: /** @type {Measurement[]} */ ([]) }));
  /** @type {Record<string, ReturnType<typeof countOutput>>} */
  const outputs = {};
  for (let round = 1; series.some((entry) => entry.runs.length < entry.limit); round++) {
    for (const entry of series) {
      // A command that failed once would fail again; spare the machine the remaining runs.
      if (entry.runs.length >= entry.limit || (entry.runs.length > 0 && !succeeded(entry.runs[0]))) continue;
      progress(`  ${plan.label}: round ${round}/${Math.max(...series.map((e) => e.limit))} ${entry.name}`);
      plan.beforeEach?.();
      const keep = entry.keepFirstOutput && entry.runs.length === 0;
      const scratch = keep ? mkdtempSync(path.join(os.tmpdir(), 'bench-out-')) : undefined;
      const stdoutFile = scratch ? path.join(scratch, 'out.yaml') : '/dev/null';
      const run = await measure(entry.command, { stdinFile: entry.stdinFile, stdoutFile, timeoutSeconds: plan.timeoutSeconds, extraEnv: entry.env });
      entry.runs.push(run);
      if (scratch) {
        outputs[entry.name] = countOutput(stdoutFile, run);
        rmSync(scratch, { recursive: true, force: true });
      }
      if (entry.runs.length === 1 && plan.budgetSeconds !== undefined) {
        entry.limit = Math.max(1, Math.min(entry.limit, Math.floor((plan.budgetSeconds * 1000) / run.wallMs)));
      }
    }
  }
  progress('');
  if (process.stderr.isTTY) process.stderr.write('\r');
  return { results: Object.fromEntries(series.map((entry) => [entry.name, summarize(entry)])), outputs };
}

/** What the function wrote: size, injected containers and results, counted by grep (the output can
 * outgrow a JavaScript string at 50k workloads). */
function countOutput(outputFile, /** @type {Measurement} */ run) {
  const counted = spawnSync('grep', ['-ohE', 'name: IS_INJECTED|severity: (error|warning|info)', outputFile], {
    encoding: 'utf8', maxBuffer: 2 ** 30,
  });
  const occurrences = (text) => counted.stdout.split(text).length - 1;
  return {
    exitCode: run.exitCode,
    signal: run.signal,
    timedOut: run.timedOut,
    outputBytes: statSync(outputFile).size,
    injectedContainers: occurrences('IS_INJECTED'),
    results: {
      error: occurrences('severity: error'),
      warning: occurrences('severity: warning'),
      info: occurrences('severity: info'),
    },
    stderrTail: run.stderrTail,
  };
}

// ---- report -------------------------------------------------------------------------------------

const seconds = (ms) => (ms === null ? '—' : ms >= 10_000 ? (ms / 1000).toFixed(1) : (ms / 1000).toFixed(3));
const mebibytes = (kib) => (kib === null ? '—' : `${Math.round(kib / 1024)}`);
const ratio = (a, b) => (a === null || b === null || b === 0 ? '—' : (a / b).toFixed(2));

function timeCell(summary) {
  if (summary.runs === 0) return 'skipped';
  if (summary.ok === 0) return failureLabel(summary.failure);
  const { median: mid, min, max } = summary.wallMs;
  const spread = summary.ok > 1 && mid ? `±${Math.round(((max - min) / 2 / mid) * 100)}%` : '';
  return `${seconds(mid)} ${spread}`.trim();
}

/** @param {{ timedOut: boolean, signal: string | null, exitCode: number | null } | undefined} failure */
function failureLabel(failure) {
  if (!failure) return 'failed';
  if (failure.timedOut) return 'timeout';
  if (failure.signal) return `killed (${failure.signal})`;
  return `exit ${failure.exitCode}`;
}

function sizeLabel(size) {
  return `${size.workloads.toLocaleString('en-US')} × ${size.sidecarSets}`;
}

function renderTable(rows) {
  const header = ['workloads × SidecarSets', 'items', 'input MB', 'runs', 'ours s', 'floor s', 'ratio',
    'naive s', 'ours RSS MB', 'floor RSS MB', 'RSS ratio', 'naive RSS MB'];
  const lines = rows.map((row) => {
    const { ours, floor, naive } = row.results;
    return [
      sizeLabel(row.size), String(row.items), (row.inputBytes / 1e6).toFixed(1), `${ours.runs}/${floor.runs}/${naive.runs}`,
      timeCell(ours), timeCell(floor), ratio(ours.wallMs.median, floor.wallMs.median), timeCell(naive),
      mebibytes(ours.rssKiB.median), mebibytes(floor.rssKiB.median), ratio(ours.rssKiB.median, floor.rssKiB.median),
      mebibytes(naive.rssKiB.median),
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column].length)));
  const format = (cells) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
  const table = [format(header), widths.map((width) => '-'.repeat(width)).join('  '), ...lines.map(format)];
  const copyRow = rows.find((row) => row.results.copy);
  if (copyRow) {
    const copy = copyRow.results.copy;
    table.push('', `bare node copying stdin to stdout (${sizeLabel(copyRow.size)} input): ${timeCell(copy)} s, ${mebibytes(copy.rssKiB.median)} MB RSS`);
  }
  table.push('', 'times: median wall seconds of the whole process, ± half the min–max spread; RSS: median peak RSS (MiB).',
    'runs: function / floor / naive. floor: js-yaml load + echo of the input;',
    'naive: one `yaml` Document, parseDocument + toString (skipped where it would exceed the default heap).');
  return table.join('\n');
}

function renderKpt(kpt) {
  if (kpt.skipped) return `kpt comparison skipped: ${kpt.skipped}`;
  const kptWith = kpt.results['kpt + function'];
  const kptNoop = kpt.results['kpt + cat'];
  const alone = kpt.results['function alone'];
  const share = kptWith.wallMs.median !== null && kptNoop.wallMs.median !== null
    ? kptWith.wallMs.median - kptNoop.wallMs.median : null;
  const lines = [
    `kpt fn eval --exec, in place, ${kpt.workloads.toLocaleString('en-US')} workloads × ${kpt.sidecarSets} SidecarSets (${kpt.files} files, ${(kpt.inputBytes / 1e6).toFixed(1)} MB), runs ${kptNoop.runs}/${kptWith.runs}/${alone.runs}:`,
    `  kpt + cat (no-op function)   ${timeCell(kptNoop).padStart(14)} s   peak RSS ${mebibytes(kptNoop.rssKiB.median)} MB`,
    `  kpt + inject-sidecarsets     ${timeCell(kptWith).padStart(14)} s   peak RSS ${mebibytes(kptWith.rssKiB.median)} MB`,
    `  function alone, same input   ${timeCell(alone).padStart(14)} s   peak RSS ${mebibytes(alone.rssKiB.median)} MB`,
  ];
  if (share !== null) {
    lines.push(`  the function's share of the eval: ${seconds(share)} s of ${seconds(kptWith.wallMs.median)} s (${Math.round((share / kptWith.wallMs.median) * 100)}%)`);
  }
  lines.push('  (peak RSS under kpt is that of the largest process in the tree, as GNU time reports it)');
  return lines.join('\n');
}

function renderEntryPoints(rows, kustomize) {
  const lines = ['entry points, same package side by side (20 SidecarSets in a config file; median wall s, ratio to the ResourceList on stdin):'];
  for (const row of rows) {
    lines.push(`  ${row.workloads.toLocaleString('en-US')} workloads (${row.files} files, ${(row.bytes / 1e6).toFixed(1)} MB):`);
    for (const [name, summary] of Object.entries(row.results)) {
      const base = row.results[name.startsWith('baseline: ') ? 'baseline: ResourceList on stdin' : 'ResourceList on stdin'].wallMs.median;
      lines.push(`    ${name.padEnd(36)} ${timeCell(summary).padStart(12)} s   ${ratio(summary.wallMs.median, base).padStart(5)}×   peak RSS ${mebibytes(summary.rssKiB.median)} MB`);
    }
  }
  if (kustomize.skipped) lines.push(`  kubectl kustomize comparison skipped: ${kustomize.skipped}`);
  else {
    const noop = kustomize.results['kustomize + cat'];
    const ours = kustomize.results['kustomize + function'];
    lines.push(`  kubectl kustomize --enable-alpha-plugins, ${kustomize.workloads.toLocaleString('en-US')} workloads in ${kustomize.files} files:`);
    lines.push(`    no-op exec plugin (cat)    ${timeCell(noop).padStart(12)} s`);
    lines.push(`    inject-sidecarsets         ${timeCell(ours).padStart(12)} s   ${ratio(ours.wallMs.median, noop.wallMs.median).padStart(5)}×`);
  }
  return lines.join('\n');
}

function machine() {
  const kptVersion = existsSync(KPT) ? spawnSync(KPT, ['version'], { encoding: 'utf8' }).stdout.trim() : null;
  return {
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    kpt: kptVersion,
    loadAverageAtStart: os.loadavg().map((load) => Number(load.toFixed(2))),
    rssSource: haveGnuTime ? GNU_TIME : 'process.resourceUsage().maxRSS (node children only)',
  };
}

// ---- main ---------------------------------------------------------------------------------------

async function main() {
  const options = parseArguments(process.argv.slice(2));
  const functionCommand = splitCommand(options.fn);
  const scriptArgument = functionCommand.find((word) => word.endsWith('.js') || word.endsWith('.mjs'));
  if (functionCommand[0] === 'node' && scriptArgument && !existsSync(path.resolve(ROOT, scriptArgument))) {
    throw new Error(`${scriptArgument} does not exist: run \`npm run build\` first (or pass --fn)`);
  }
  // The lead rebuilds dist/ while others work; a rebuild in the middle of a run mixes two builds.
  const fingerprint = () => scriptArgument && existsSync(path.resolve(ROOT, scriptArgument))
    ? createHash('sha256').update(readFileSync(path.resolve(ROOT, scriptArgument))).digest('hex').slice(0, 16)
    : null;
  const functionFingerprint = fingerprint();
  const node = process.execPath;
  const sizeIds = options.sizes ?? (options.quick ? QUICK_SIZES : SIZES.map((size) => size.id));
  const sizes = SIZES.filter((size) => sizeIds.includes(size.id));
  const runsFor = (size) => options.runs ?? (options.quick ? size.quickRuns : size.runs);
  const naiveRunsFor = (size) => {
    const configured = options.quick ? size.quickNaiveRuns : size.naiveRuns;
    return options.naiveRuns ?? (options.runs === undefined ? configured : Math.min(configured, options.runs));
  };

  mkdirSync(CACHE_DIR, { recursive: true });
  const { generator, hash } = await loadGenerator();
  const started = new Date();
  const machineInfo = machine();
  console.error(`inject-sidecarsets benchmark — ${machineInfo.cpuModel}, ${machineInfo.cores} cores, node ${machineInfo.node}`);
  console.error(`function: ${functionCommand.join(' ')}`);

  const rows = [];
  for (const size of sizes) {
    const input = inputFor(generator, hash, size.workloads, size.sidecarSets, options.seed, options.sidecarSetsAs);
    const runs = runsFor(size);
    const budgetSeconds = options.runs === undefined ? (options.quick ? size.budgetSeconds / 2 : size.budgetSeconds) : undefined;
    console.error(`  ${sizeLabel(size)}: ${(input.bytes / 1e6).toFixed(1)} MB, up to ${runs} runs (naive ${naiveRunsFor(size)})`);
    const stdinFile = input.file;
    const commands = [
      { name: 'ours', command: functionCommand, runs, stdinFile, keepFirstOutput: true },
      { name: 'floor', command: [node, path.join(BENCH_DIR, 'floor-jsyaml.mjs')], runs, stdinFile },
      { name: 'naive', command: [node, path.join(BENCH_DIR, 'naive-yaml.mjs')], runs: naiveRunsFor(size), stdinFile },
    ];
    if (size.workloads === 1) {
      commands.push({ name: 'copy', command: [node, path.join(BENCH_DIR, 'copy-stdin.mjs')], runs, stdinFile });
    }
    const { results, outputs } = await runInterleaved(commands, {
      budgetSeconds, timeoutSeconds: options.timeoutSeconds, label: sizeLabel(size),
    });
    rows.push({ size, items: input.items, inputBytes: input.bytes, check: outputs.ours, results });
  }

  let kpt;
  if (options.kptWorkloads === 0) kpt = { skipped: '--kpt-workloads 0' };
  else if (!existsSync(KPT)) kpt = { skipped: `${KPT} not found` };
  else {
    const sidecarSets = 20;
    const runs = options.kptRuns ?? (options.quick ? 1 : 3);
    const { packageDir, configFile, files } = kptPackageFor(generator, hash, options.kptWorkloads, sidecarSets, options.seed);
    const input = inputFor(generator, hash, options.kptWorkloads, sidecarSets, options.seed, 'functionConfig');
    // kpt runs the exec string from its own cwd; absolute paths keep it independent of that.
    const execString = functionCommand
      .map((word) => (existsSync(path.resolve(ROOT, word)) ? path.resolve(ROOT, word) : word))
      .map((word) => (/\s/.test(word) ? `'${word}'` : word))
      .join(' ');
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'bench-kpt-'));
    const work = path.join(scratch, 'pkg');
    const evalIn = (exec) => [KPT, 'fn', 'eval', work, '--exec', exec, '--fn-config', configFile];
    const { results } = await runInterleaved(
      [
        { name: 'kpt + cat', command: evalIn('cat'), runs },
        { name: 'kpt + function', command: evalIn(execString), runs },
        { name: 'function alone', command: functionCommand, runs, stdinFile: input.file },
      ],
      {
        budgetSeconds: options.kptRuns === undefined ? KPT_BUDGET_SECONDS : undefined,
        timeoutSeconds: options.timeoutSeconds,
        label: 'kpt',
        // Each eval rewrites the package in place, so every run starts from a fresh copy.
        beforeEach: () => {
          rmSync(work, { recursive: true, force: true });
          cpSync(packageDir, work, { recursive: true });
        },
      },
    );
    rmSync(scratch, { recursive: true, force: true });
    kpt = { workloads: options.kptWorkloads, sidecarSets, files, inputBytes: input.bytes, results };
  }

  const entrySizes = options.entrySizes ?? (options.quick ? [1_000] : [1_000, 10_000]);
  const entryRuns = options.entryRuns ?? (options.quick ? 1 : 3);
  const entryRows = [];
  const absolute = functionCommand.map((word) => (existsSync(path.resolve(ROOT, word)) ? path.resolve(ROOT, word) : word));
  const baseline = options.baseline === undefined ? undefined : splitCommand(options.baseline);
  for (const workloads of entrySizes) {
    const inputs = entryInputsFor(generator, hash, workloads, options.seed);
    console.error(`  entry points, ${workloads.toLocaleString('en-US')} workloads: ${inputs.files} files, ${(inputs.bytes / 1e6).toFixed(1)} MB`);
    const entryPoints = (label, fn) => [
      { name: `${label}ResourceList on stdin`, command: fn, runs: entryRuns, stdinFile: inputs.resourceList },
      { name: `${label}legacy plugin protocol`, command: [...fn, inputs.config], runs: entryRuns, stdinFile: inputs.stream, env: { KUSTOMIZE_PLUGIN_CONFIG_ROOT: inputs.directory } },
      { name: `${label}command line, one file`, command: [...fn, '--config', inputs.config, inputs.stream], runs: entryRuns },
      { name: `${label}command line, directory`, command: [...fn, '--config', inputs.config, inputs.packageDir], runs: entryRuns },
    ];
    const { results } = await runInterleaved(
      [...entryPoints('', absolute), ...(baseline ? entryPoints('baseline: ', baseline) : [])],
      { timeoutSeconds: options.timeoutSeconds, label: `entry points ${workloads}` },
    );
    entryRows.push({ workloads, files: inputs.files, bytes: inputs.bytes, results });
  }
  let kustomize;
  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  if (options.kustomizeWorkloads === 0) kustomize = { skipped: '--kustomize-workloads 0' };
  else if (kubectl.status !== 0) kustomize = { skipped: 'kubectl not found' };
  else {
    const inputs = entryInputsFor(generator, hash, options.kustomizeWorkloads, options.seed);
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'bench-kustomize-'));
    const build = (home) => ({ command: ['kubectl', 'kustomize', '--enable-alpha-plugins', inputs.kustomization], env: { KUSTOMIZE_PLUGIN_HOME: home } });
    const { results } = await runInterleaved(
      [
        { name: 'kustomize + cat', runs: entryRuns, ...build(pluginHome(scratch, 'noop', ['cat'], false)) },
        { name: 'kustomize + function', runs: entryRuns, ...build(pluginHome(scratch, 'ours', absolute, true)) },
      ],
      { timeoutSeconds: options.timeoutSeconds, label: 'kustomize' },
    );
    rmSync(scratch, { recursive: true, force: true });
    kustomize = { workloads: options.kustomizeWorkloads, files: inputs.files, results };
  }
  const entryText = renderEntryPoints(entryRows, kustomize);
  console.log(entryText);
  console.log('');

  const loadAtEnd = os.loadavg().map((load) => load.toFixed(2)).join(' ');
  const table = `${renderTable(rows)}\nload average (1/5/15 min): ${machineInfo.loadAverageAtStart.join(' ')} at start, ${loadAtEnd} at end; ${machineInfo.cores} cores.`;
  const changed = fingerprint() !== functionFingerprint;
  const kptText = `${renderKpt(kpt)}${changed ? `\nWARNING: ${scriptArgument} changed during the run; the figures mix two builds.` : ''}`;
  console.log(table);
  console.log('');
  console.log(kptText);
  console.log('');
  for (const row of rows) {
    const { check } = row;
    const trouble = check.exitCode === 0 ? '' : ` — FAILED (${failureLabel(check)}): ${check.stderrTail}`;
    console.log(`function output at ${sizeLabel(row.size)}: ${(check.outputBytes / 1e6).toFixed(1)} MB, ${check.injectedContainers} containers with IS_INJECTED, results ${check.results.error} error / ${check.results.warning} warning / ${check.results.info} info${trouble}`);
  }

  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  const resultsFile = path.join(RESULTS_DIR, `bench-${stamp}.json`);
  const report = {
    date: started.toISOString(),
    finished: new Date().toISOString(),
    machine: machineInfo,
    options: { ...options, function: functionCommand, generatorHash: hash },
    functionSha256: { atStart: functionFingerprint, changedDuringRun: changed },
    sizes: rows.map((row) => ({
      id: row.size.id, workloads: row.size.workloads, sidecarSets: row.size.sidecarSets, items: row.items,
      inputBytes: row.inputBytes, check: row.check, ...row.results,
    })),
    kpt,
    entryPoints: { sizes: entryRows, kustomize },
    table: `${table}\n\n${kptText}\n\n${entryText}`,
  };
  writeFileSync(resultsFile, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwritten ${path.relative(ROOT, resultsFile)}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
