// kustomize's legacy exec plugin protocol: the config file path in argv, the resources as a plain
// YAML stream on stdin; answering with a ResourceList is accepted (kustomize unwraps it).
import { parseAllDocuments } from 'yaml';
import { indentItem, PARSE_OPTIONS, InputError } from '../krm/read.js';

/** kustomize sets these for exec plugins; a path argument alone would collide with command-line mode. */
export function isLegacyPluginCall(env: NodeJS.ProcessEnv): boolean {
  return env.KUSTOMIZE_PLUGIN_CONFIG_ROOT !== undefined || env.KUSTOMIZE_PLUGIN_CONFIG_STRING !== undefined;
}

/** A ResourceList carrying the stream's documents as items and the plugin config as functionConfig. */
export function legacyPluginResourceList(stream: string, configText: string): string {
  const items = documentsOf(stream, 'the resources on stdin');
  const config = documentsOf(configText, 'the plugin config file');
  if (config.length !== 1) throw new InputError(`the plugin config file must hold exactly one object, found ${config.length}`);
  return (
    'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n' +
    (items.length === 0 ? 'items: []\n' : 'items:\n' + items.map((t) => indentItem(t, 0)).join('')) +
    'functionConfig:\n' +
    config[0].replace(/^(?=.)/gm, '  ')
  );
}

function documentsOf(text: string, what: string): string[] {
  const docs = parseAllDocuments(text.replace(/\r\n?/g, '\n'), PARSE_OPTIONS);
  const list = Array.isArray(docs) ? docs : [docs];
  const out: string[] = [];
  for (const doc of list) {
    if (doc.errors.length > 0) throw new InputError(`${what} is not valid YAML: ${doc.errors[0].message}`);
    if (doc.contents === null) continue;
    // An explicit `---` start marker would end up inside the list item.
    if (doc.directives) doc.directives.docStart = null;
    out.push(doc.toString({ lineWidth: 0 }));
  }
  return out;
}
