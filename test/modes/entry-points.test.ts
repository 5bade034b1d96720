// Every entry point gives the same bytes for the same input: a ResourceList on stdin (kpt), the
// legacy kustomize plugin protocol (a YAML stream and a config file) and the command-line mode
// (files), on the catalog examples, the render fixtures and the real-world corpus.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { runFunction } from '../../src/run.js';
import { runCli } from '../../src/modes/cli.js';
import { legacyPluginResourceList } from '../../src/modes/legacy-plugin.js';
import { dedentItem, indentItem } from '../../src/krm/read.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CORPUS = process.env.INJECT_SIDECARSETS_CORPUS ?? join(ROOT, '../shared/corpus/realworld');

interface Case {
  name: string;
  files: string[];
  config?: string;
}

function manifestsUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (['.yaml', '.yml', '.json'].includes(extname(e.name))) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** A kpt package: its manifests, with the Kptfile's configPath as the config. */
function packageCase(dir: string): Case {
  const kptfile = ['Kptfile', 'Kptfile.fixture'].map((f) => join(dir, f)).find(existsSync);
  const configPath = kptfile ? /configPath: *(\S+)/.exec(readFileSync(kptfile, 'utf8'))?.[1] : undefined;
  const config = configPath ? join(dir, configPath) : undefined;
  return { name: relative(ROOT, dir), files: manifestsUnder(dir).filter((f) => f !== config), config };
}

const packages = [join(ROOT, 'functions/inject-sidecarsets/examples'), join(ROOT, 'test/fixtures/render')].flatMap((root) =>
  readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => packageCase(join(root, d.name))),
);
const corpus = existsSync(CORPUS)
  ? readdirSync(CORPUS, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => ({
        name: `corpus/${d.name}`,
        files: manifestsUnder(join(CORPUS, d.name)),
        config: join(ROOT, 'test/corpus/fixtures', `${d.name}.sidecarsets.yaml`),
      }))
  : [];
if (corpus.length === 0 && !process.env.CI) console.warn(`[entry-points] ${CORPUS} is missing: the real-world corpus is skipped`);

/** Template placeholders (`{{ x }}` keys) draw a warning per read from the parser. */
const QUIET = { logLevel: 'error' } as const;

/**
 * The documents of a file as the test reads them, independently of the stream reader: split at
 * `---` lines. Each is checked against the `yaml` parser's reading.
 */
function documentsOf(text: string): Array<{ text: string; hasContent: boolean }> {
  const chunks = text.replace(/^\uFEFF/, '').split(/^(?:---|\.\.\.)(?:[ \t][^\n]*)?(?:\n|$)/m);
  const out = chunks
    .filter((chunk) => chunk.trim() !== '')
    .map((chunk) => ({
      text: chunk.endsWith('\n') ? chunk : chunk + '\n',
      hasContent: chunk.split('\n').some((l) => l.trim() !== '' && !l.trim().startsWith('#')),
    }));
  // (A last `---` gives the parser an empty document, which holds null.)
  const parsed = parseAllDocuments(text.replace(/^\uFEFF/, ''), QUIET)
    .map((d) => d.toJS())
    .filter((data) => data !== null);
  expect(out.filter((d) => d.hasContent).map((d) => parseAllDocuments(d.text, QUIET)[0].toJS())).toStrictEqual(parsed);
  return out;
}

function check({ files, config }: Case): void {
  const documents = files.map((file) => {
    const text = readFileSync(file, 'utf8');
    // A CRLF file's documents are separated by CRLF lines too.
    return { file, documents: documentsOf(text), lineBreak: /^[^\n]*\r\n/.test(text) ? '\r\n' : '\n' };
  });
  const configText = config ? readFileSync(config, 'utf8') : undefined;
  const configDocuments = configText === undefined ? [] : documentsOf(configText).filter((d) => d.hasContent);
  const functionConfig =
    configDocuments.length === 0
      ? ''
      : `functionConfig:\n${(configDocuments.length === 1 ? configDocuments[0].text : 'apiVersion: v1\nkind: List\nitems:\n' + configDocuments.map((d) => indentItem(d.text, 0)).join('')).replace(/^(?=.)/gm, '  ')}`;
  const items = documents.flatMap((f) => f.documents.filter((d) => d.hasContent).map((d) => ({ ...d, json: f.file.endsWith('.json') })));
  const resourceList = `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n${items.length === 0 ? 'items: []' : 'items:'}\n${items.map((d) => indentItem(d.text, 0)).join('')}${functionConfig}`;
  const kpt = runFunction({ text: resourceList });
  expect(kpt.items).toHaveLength(items.length);

  if (configText !== undefined && configDocuments.length === 1) {
    const stream = files
      .map((f) => readFileSync(f, 'utf8'))
      .map((t) => (t.endsWith('\n') ? t : t + '\n'))
      .join('---\n');
    const plugin = runFunction({ list: legacyPluginResourceList(stream, configText) });
    expect(plugin.items.map((i) => i.changed)).toEqual(kpt.items.map((i) => i.changed));
    expect(plugin.stdout).toBe(kpt.stdout);
  }

  const cli = runCli([...(config ? ['--config', config] : []), ...files], () => '');
  expect(cli.exitCode).toBe(kpt.exitCode);
  if (kpt.exitCode !== 0) {
    expect(cli.stdout).toBe('');
    return;
  }
  // Documents in order, each as the ResourceList path wrote its item (a changed one-line JSON file pretty-printed).
  // That path cuts an item from its `-` line to the next item's, so a document's leading blank lines
  // (which come before the `-` its first comment or content line gets) end the item before it: a
  // document's own text has them at its start instead.
  const leads = items.map((d) => leadingBlankLines(d.text));
  let k = 0;
  const texts = documents.flatMap((f) =>
    f.documents.map((d) => {
      const at = d.hasContent ? k++ : -1;
      const out = at === -1 ? undefined : kpt.items[at];
      let text = d.text;
      if (out?.changed) {
        text = (at === 0 ? '' : leads[at]) + dedentItem(out.text, 0);
        const next = leads[at + 1] ?? '';
        expect(text.endsWith(next)).toBe(true);
        text = text.slice(0, text.length - next.length);
        if (f.file.endsWith('.json') && !text.trimEnd().includes('\n')) text = JSON.stringify(JSON.parse(text), null, 2) + '\n';
      }
      return { text, separator: '---' + f.lineBreak };
    }),
  );
  expect(cli.stdout).toBe(texts.map((t, i) => (i === 0 ? '' : texts[i - 1].separator) + t.text).join(''));
}

function leadingBlankLines(text: string): string {
  return /^(?:[ \t]*\r?\n)*/.exec(text)![0];
}

describe("every entry point gives the ResourceList path's bytes", () => {
  it.each(packages.map((c) => [c.name, c] as const))('%s', (_name, c) => check(c));
  it.skipIf(corpus.length === 0).each(corpus.map((c) => [c.name, c] as const))('%s', (_name, c) => check(c));
});
