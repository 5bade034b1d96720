// Manifests with YAML 1.1 merge keys, as documents, for the unit and end-to-end tests of merge keys.

/** Adds the container `log` to pods labelled app=web, and overwrites their annotation `team/owner`. */
export const LOG_SIDECARSET = `apiVersion: apps.kruise.io/v1beta1
kind: SidecarSet
metadata:
  name: log
spec:
  selector:
    matchLabels:
      app: web
  containers:
  - name: log
    image: log:1
  patchPodMetadata:
  - annotations:
      team/owner: logging
    patchPolicy: Overwrite
`;

/** A Deployment whose template merges its labels and annotations from the workload's own. */
export const WEB = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: &common
    app: web
    tier: front
  annotations: &owner
    team/owner: web-team
    note: kept
spec:
  selector:
    matchLabels: *common
  template:
    metadata:
      labels:
        <<: *common
        track: stable
      annotations:
        <<: *owner
    spec:
      containers:
      - name: main
        image: main:1
`;

/** A document as a ResourceList item at column 0. */
export const asItem = (document: string) => document.replace(/^/gm, '  ').replace(/^ {2}/, '- ').replace(/^ +$/gm, '');
