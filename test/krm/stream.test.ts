// The stream reader: documents found by a line scan, each kept as its exact text, read as the
// `yaml` parser reads the whole stream.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { readYamlStream, streamItems, syntaxErrorIn, StreamSyntaxError } from '../../src/krm/stream.js';
import { dedentItem, parseItem, NeedsFullParse } from '../../src/krm/read.js';
import { itemText } from './item-texts.js';

const A = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a # keep\n';
const B = '# head\napiVersion: v1\nkind: Service\nmetadata:\n  name: b\n';

describe('readYamlStream', () => {
  it('cuts documents at --- and ... lines, each kept as its text (blank lines too), comment-only ones without an item', () => {
    const stream = readYamlStream(`--- # first\n${A}\n\n...\n# only a comment\n---\n${B}---\n`);
    expect(stream.documents.map((d) => d.text)).toEqual([A + '\n\n', '# only a comment\n', B]);
    expect(stream.documents.map((d) => d.line)).toEqual([2, 9, 11]);
    expect(streamItems(stream).map((item) => parseItem(item).object)).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'b' } },
    ]);
    // Each item's text is the document's, as a list item: dedented, it is the document again.
    for (const d of stream.documents) if (d.item) expect(dedentItem(d.item.raw, 0)).toBe(d.text);
  });

  it("keeps CRLF, drops a byte order mark, and adds the missing last line break in the stream's own line break", () => {
    const stream = readYamlStream('\uFEFF' + A.replace(/\n/g, '\r\n') + '---\r\nkind: X');
    expect(stream.lineBreak).toBe('\r\n');
    expect(stream.documents.map((d) => d.text)).toEqual([A.replace(/\n/g, '\r\n'), 'kind: X\r\n']);
  });

  it('leaves a --- inside a block scalar that is indented alone, and splits at one at column 0 (YAML 1.2 §9.1)', () => {
    const stream = readYamlStream('a: |\n  ---\n  text\n---\nb: 1\n');
    expect(streamItems(stream).map((item) => parseItem(item).object)).toEqual([{ a: '---\ntext\n' }, { b: 1 }]);
  });

  it('reads directives and content on a marker line with the parser', () => {
    const stream = readYamlStream('%YAML 1.2\n---\na: 1\n--- !!map\nb: 2\n--- {c: 3}\n');
    expect(streamItems(stream).map((item) => parseItem(item).object)).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }]);
    expect(() => readYamlStream('--- {a: [1\n')).toThrow(StreamSyntaxError);
  });

  it("locates a YAML error by the stream's own lines", () => {
    const stream = readYamlStream(`${A}---\n${B}---\nkind: X\nbad: [1\n`);
    const error = stream.documents.map(syntaxErrorIn).find((e) => e !== undefined);
    expect(error).toBeInstanceOf(StreamSyntaxError);
    expect(error!.line).toBeGreaterThanOrEqual(14);
    expect(error!.reason).not.toMatch(/\n|:$/);
    expect(stream.documents.slice(0, 2).map(syntaxErrorIn)).toEqual([undefined, undefined]);
  });
});

describe('readYamlStream against the yaml parser', () => {
  const separators = ['---\n', '--- # c\n', '...\n---\n', '\n---\n\n', '---   \n', '...\n'];
  const streamArb = fc
    .record({
      documents: fc.array(fc.array(fc.nat(), { minLength: 30, maxLength: 100 }), { minLength: 1, maxLength: 4 }),
      separators: fc.array(fc.constantFrom(...separators), { minLength: 4, maxLength: 4 }),
      crlf: fc.boolean(),
      odd: fc.constantFrom(0, 0, 3),
    })
    .map(({ documents, separators: seps, crlf, odd }) => {
      const text = documents.map((numbers, i) => (i === 0 ? '' : seps[i - 1]) + dedentItem(itemText(numbers, 0, odd), 0)).join('');
      return crlf ? text.replace(/\n/g, '\r\n') : text;
    });

  it('finds the documents the parser finds, with the same data, each text a piece of the input', () => {
    let compared = 0;
    fc.assert(
      fc.property(streamArb, (text) => {
        const parsed = parseAllDocuments(text, { uniqueKeys: false });
        if (parsed.some((d) => d.errors.length > 0)) return;
        let expected: unknown[];
        try {
          expected = parsed.map((d) => d.toJS()).filter((data) => data !== null);
        } catch {
          return; // an alias without its anchor
        }
        const stream = readYamlStream(text);
        const read: unknown[] = [];
        for (const item of streamItems(stream)) {
          try {
            read.push(parseItem(item).object);
          } catch (e) {
            // An item the in-place parsers refuse goes to the whole-list parser in a run: not this reader's business.
            if (e instanceof NeedsFullParse) return;
            throw e;
          }
        }
        compared++;
        expect(read.filter((data) => data !== null)).toEqual(expected);
        for (const d of stream.documents) expect(text.includes(d.text) || text.includes(d.text.replace(/\r?\n$/, ''))).toBe(true);
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 200) },
    );
    // A generator whose streams all fail to parse would make this test pass on anything.
    expect(compared).toBeGreaterThan(Number(process.env.FUZZ_RUNS ?? 200) / 8);
  });
});
