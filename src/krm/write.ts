// Write the ResourceList: items as text (unchanged ones exactly as they came in), then results.
import { stringify } from 'yaml';
import type { Result } from './results.js';
import { emitBlock, yamlOptions } from './emit.js';

/**
 * The ResourceList as pieces to write one after another: joined, a large list would be copied
 * whole once more (and once more again on its way to stdout).
 */
export function writeResourceList(
  apiVersion: string,
  itemTexts: readonly string[],
  results: readonly Result[],
  functionConfigText = '',
): string[] {
  const head = `apiVersion: ${apiVersion}\nkind: ResourceList\n${itemTexts.length === 0 ? 'items: []\n' : 'items:\n'}`;
  return [head, ...itemTexts, functionConfigText, results.length === 0 ? '' : toYaml({ results })];
}

/** Block-style YAML that YAML 1.1 readers (kyaml, PyYAML) read back as the same strings. */
export function toYaml(value: unknown): string {
  const style = { compactSequences: false };
  const lines = emitBlock(value, style);
  return lines ? lines.join('\n') + '\n' : stringify(value, yamlOptions(style));
}
