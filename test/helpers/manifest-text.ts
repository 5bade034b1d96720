// The opening lines that manifest fixtures written as YAML text share, for tests whose input bytes
// matter (comments, layout, what the line scan sees). Each head ends where a fixture's own fields
// begin, so a test writes those in its own style right after it.

/** `text` with `spaces` more indentation on every line that is not empty. */
export function indent(text: string, spaces: number): string {
  return text.replace(/^(?=.)/gm, ' '.repeat(spaces));
}

/** A document as an item of a block list at column 0, the way kpt writes a ResourceList's items. */
export function asItem(document: string): string {
  return `- ${indent(document, 2).slice(2)}`;
}

/** A SidecarSet up to its selector's `matchLabels` (one `key: value` a line); its other spec fields follow at 2 spaces. */
export function sidecarSetHead(name: string, matchLabels = 'app: web'): string {
  return `apiVersion: apps.kruise.io/v1beta1
kind: SidecarSet
metadata:
  name: ${name}
spec:
  selector:
    matchLabels:
${indent(matchLabels, 6)}
`;
}

/** A Pod labelled app=web, up to `spec:`; its spec's fields follow at 2 spaces. */
export function podHead(name: string): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels:
    app: web
spec:
`;
}

interface DeploymentOptions {
  namespace?: string;
  replicas?: number;
}

/** A Deployment of pods labelled app=web, up to its template's labels; the template's other fields follow at 4 spaces. */
export function deploymentHead(name: string, { namespace, replicas }: DeploymentOptions = {}): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
${namespace ? `  namespace: ${namespace}\n` : ''}spec:
${replicas === undefined ? '' : `  replicas: ${replicas}\n`}  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
`;
}

/** The heads as items of a ResourceList (after RESOURCE_LIST_HEAD): the fields that follow go 2 spaces further in. */
export const sidecarSetItemHead = (name: string, matchLabels?: string): string => asItem(sidecarSetHead(name, matchLabels));
export const podItemHead = (name: string): string => asItem(podHead(name));
export const deploymentItemHead = (name: string, options?: DeploymentOptions): string => asItem(deploymentHead(name, options));
