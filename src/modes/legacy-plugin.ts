// kustomize's legacy exec plugin protocol: the config file path in argv, the resources as a plain
// YAML stream on stdin; answering with a ResourceList is accepted (kustomize unwraps it).
import { InputError, type ResourceListInput } from '../krm/read.js';
import {
  documentObject,
  readYamlStream,
  streamItems,
  streamResourceList,
  StreamSyntaxError,
  syntaxErrorIn,
  type YamlStream,
} from '../krm/stream.js';

/** kustomize sets these for exec plugins; a path argument alone would collide with command-line mode. */
export function isLegacyPluginCall(env: NodeJS.ProcessEnv): boolean {
  return env.KUSTOMIZE_PLUGIN_CONFIG_ROOT !== undefined || env.KUSTOMIZE_PLUGIN_CONFIG_STRING !== undefined;
}

const RESOURCES = 'the resources on stdin';
const CONFIG = 'the plugin config file';

/**
 * The ResourceList read from the stream's documents as items (their text as it came in) and the
 * plugin config as functionConfig.
 */
export function legacyPluginResourceList(streamText: string, configText: string): ResourceListInput {
  const stream = read(streamText, RESOURCES);
  const config = read(configText, CONFIG).documents.filter((document) => document.item);
  if (config.length !== 1) throw new InputError(`${CONFIG} must hold exactly one object, found ${config.length}`);
  const object = located(() => documentObject(config[0]), CONFIG);
  return streamResourceList(streamItems(stream), stream.lineBreak, { object, text: config[0].text });
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
  return located(() => readYamlStream(text), what);
}

function located<T>(reading: () => T, what: string): T {
  try {
    return reading();
  } catch (e) {
    if (e instanceof StreamSyntaxError) throw new InputError(`${what}: ${e.message}`);
    throw e;
  }
}
