// Write the ResourceList: items as text (unchanged ones exactly as they came in), then results,
// laid out as the input was: YAML or JSON, with its line breaks.
import type { Result } from './results.js';
import { toYaml } from './emit.js';
import { rewriteItem } from './edit.js';
import { isJsonCollection, layoutOf, rewriteJson, stringifyJson } from './json.js';
import { dedentItem, indentItem, type LineBreak, type ResourceListInput, type SourceItem } from './read.js';

/** What the output takes from the input's layout. */
export type OutputFrame = Pick<ResourceListInput, 'lineBreak' | 'json' | 'items'>;

/**
 * The ResourceList as pieces to write one after another: joined, a large list would be copied
 * whole once more (and once more again on its way to stdout).
 */
export function writeResourceList(
  apiVersion: string,
  itemTexts: readonly string[],
  results: readonly Result[],
  functionConfigText = '',
  frame?: OutputFrame,
): string[] {
  if (frame?.json) return writeJsonResourceList(apiVersion, itemTexts, results, functionConfigText, frame);
  const head = `apiVersion: ${apiVersion}\nkind: ResourceList\n${itemTexts.length === 0 ? 'items: []\n' : 'items:\n'}`;
  const tail = results.length === 0 ? '' : toYaml({ results });
  const lineBreak = frame?.lineBreak ?? '\n';
  return [withLineBreak(head, lineBreak), ...itemTexts, functionConfigText, withLineBreak(tail, lineBreak)];
}

/**
 * A JSON list comes out as JSON: each item after the whitespace it had on its line, the list's own
 * lines indented as the input's were (or all on one line, as it was).
 */
function writeJsonResourceList(
  apiVersion: string,
  itemTexts: readonly string[],
  results: readonly Result[],
  functionConfigText: string,
  frame: OutputFrame,
): string[] {
  const unit = frame.json?.unit;
  const lineBreak = frame.lineBreak;
  const member = (key: string, value: string) => (unit === undefined ? `"${key}":${value}` : `${lineBreak}${unit}"${key}": ${value}`);
  const out = [`{${member('apiVersion', JSON.stringify(apiVersion))},${member('kind', '"ResourceList"')},${member('items', '[')}`];
  itemTexts.forEach((text, i) => {
    if (i > 0) out.push(',');
    if (unit !== undefined) out.push(lineBreak + (frame.items[i]?.json?.lead ?? unit + unit));
    out.push(text);
  });
  out.push(unit === undefined || itemTexts.length === 0 ? ']' : `${lineBreak}${unit}]`);
  if (functionConfigText !== '') out.push(',' + member('functionConfig', functionConfigText));
  if (results.length > 0) out.push(',' + member('results', stringifyJson(results, { unit, lead: unit ?? '', space: '', lineBreak })));
  out.push(unit === undefined ? '}' + lineBreak : `${lineBreak}}${lineBreak}`);
  return out;
}

/**
 * The text of a changed item. An item written as JSON stays JSON (see krm/json.ts); any other goes
 * through the YAML text edit. The edit works on LF; the item's lines then end as most of its input
 * lines did (an item that mixes line endings gets one of them).
 */
export function writeChangedItem(item: SourceItem, old: unknown, next: unknown): string {
  const crlf = item.raw.includes('\r\n');
  const lineBreak = crlf ? mostCommonLineBreak(item.raw) : '\n';
  const raw = crlf ? item.raw.replace(/\r\n/g, '\n') : item.raw;
  let text: string;
  if (item.json) text = rewriteJson(raw, layoutOf(raw, item.json.lead, '\n'), old, next);
  else {
    const standalone = startsFlowCollection(raw, item.indent) ? dedentItem(raw, item.indent) : undefined;
    text =
      standalone !== undefined && isJsonCollection(standalone)
        ? indentItem(rewriteJson(standalone, layoutOf(standalone.trim(), '', '\n'), old, next), item.indent)
        : rewriteItem(raw, item.indent, old, next);
  }
  return withLineBreak(text, lineBreak);
}

/** `- {` or `- [` on the item's first line. */
function startsFlowCollection(raw: string, indent: number): boolean {
  const c = raw.charCodeAt(indent + 2);
  return raw.charCodeAt(indent) === 45 && raw.charCodeAt(indent + 1) === 32 && (c === 123 || c === 91);
}

function mostCommonLineBreak(raw: string): LineBreak {
  let crlf = 0;
  let lf = 0;
  for (let p = raw.indexOf('\n'); p !== -1; p = raw.indexOf('\n', p + 1)) {
    if (raw.charCodeAt(p - 1) === 13) crlf++;
    else lf++;
  }
  return crlf >= lf ? '\r\n' : '\n';
}

const withLineBreak = (text: string, lineBreak: LineBreak) => (lineBreak === '\n' ? text : text.replace(/\n/g, lineBreak));
