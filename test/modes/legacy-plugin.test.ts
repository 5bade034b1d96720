// kustomize's legacy exec plugin protocol: the stream on stdin and the config file become a
// ResourceList whose items are the documents' own text.
import { describe, expect, it } from 'vitest';
import { legacyPluginResourceList, legacyPluginSyntaxError } from '../../src/modes/legacy-plugin.js';
import { dedentItem } from '../../src/krm/read.js';
import { runFunction } from '../../src/run.js';

const CONFIG =
  'apiVersion: apps.kruise.io/v1alpha1\nkind: SidecarSet\nmetadata:\n  name: log\nspec:\n  selector:\n    matchLabels: {app: web}\n  containers:\n  - name: log\n    image: log:1\n';
const SERVICE = '# kept\napiVersion: v1\nkind: Service\nmetadata:\n  name: web   # odd spacing kept\n';

describe('legacy plugin protocol', () => {
  it('carries each document of the stream as an item of its own text, CRLF and comments kept', () => {
    const crlf = SERVICE.replace(/\n/g, '\r\n');
    const list = legacyPluginResourceList(`---\r\n${crlf}---\r\n${crlf}`, CONFIG);
    expect(list.items.map((item) => dedentItem(item.raw, 0))).toEqual([crlf, crlf]);
    expect(list.lineBreak).toBe('\r\n');
    expect(list.functionConfig).toMatchObject({ kind: 'SidecarSet', metadata: { name: 'log' } });
  });

  it('refuses a config file that is not exactly one object', () => {
    expect(() => legacyPluginResourceList(SERVICE, `${CONFIG}---\n${CONFIG}`)).toThrow(/exactly one object, found 2/);
  });

  it('locates a YAML error on stdin or in the config by their own lines', () => {
    const broken = `${SERVICE}---\nkind: ConfigMap\ndata: {a: 1\n`;
    const out = runFunction({ list: legacyPluginResourceList(broken, CONFIG) });
    expect(out.exitCode).toBe(1);
    expect(legacyPluginSyntaxError(broken, CONFIG)).toMatch(/^the resources on stdin: line (8|9), column \d+: \S/);
    expect(legacyPluginSyntaxError(SERVICE, CONFIG.replace('name: log\n', 'name: [log\n'))).toMatch(
      /^the plugin config file: line [4-9], column \d+: \S/,
    );
    expect(legacyPluginSyntaxError(SERVICE, CONFIG)).toBeUndefined();
  });
});
