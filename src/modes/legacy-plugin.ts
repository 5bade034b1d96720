// kustomize's legacy exec plugin protocol: the config file path in argv, the resources as a plain
// YAML stream on stdin; answering with a ResourceList is accepted (kustomize unwraps it).
import { InputError } from '../krm/read.js';
import { readYamlStream, streamItems, StreamSyntaxError, syntaxErrorIn, type YamlStream } from '../krm/stream.js';

/** kustomize sets these for exec plugins; a path argument alone would collide with command-line mode. */
export function isLegacyPluginCall(env: NodeJS.ProcessEnv): boolean {
  return env.KUSTOMIZE_PLUGIN_CONFIG_ROOT !== undefined || env.KUSTOMIZE_PLUGIN_CONFIG_STRING !== undefined;
}

const RESOURCES = 'the resources on stdin';
const CONFIG = 'the plugin config file';

/**
 * A ResourceList carrying the stream's documents as items (their text as it came in) and the
 * plugin config as functionConfig.
 */
export function legacyPluginResourceList(streamText: string, configText: string): string {
  const stream = read(streamText, RESOURCES);
  const config = read(configText, CONFIG).documents.filter((document) => document.item);
  if (config.length !== 1) throw new InputError(`${CONFIG} must hold exactly one object, found ${config.length}`);
  const items = streamItems(stream);
  const lineBreak = stream.lineBreak;
  return [
    `apiVersion: config.kubernetes.io/v1${lineBreak}kind: ` +
      `ResourceList${lineBreak}${items.length === 0 ? 'items: []' : 'items:'}${lineBreak}`,
    ...items.map((item) => item.raw),
    `functionConfig:${lineBreak}`,
    config[0].text.replace(/^(?=.)/gm, '  '),
  ].join('');
}

/** The first YAML error in the stream or the config, for a run that could not read its input; undefined when neither has one. */
export function legacyPluginSyntaxError(streamText: string, configText: string): string | undefined {
  for (const [text, what] of [
    [configText, CONFIG],
    [streamText, RESOURCES],
  ] as const) {
    for (const document of read(text, what).documents) {
      const error = syntaxErrorIn(document);
      if (error) return `${what}: line ${error.line}, column ${error.column}: ${error.reason}`;
    }
  }
  return undefined;
}

function read(text: string, what: string): YamlStream {
  try {
    return readYamlStream(text);
  } catch (e) {
    if (e instanceof StreamSyntaxError) throw new InputError(`${what}: ${e.message}`);
    throw e;
  }
}
