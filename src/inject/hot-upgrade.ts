// A HotUpgrade sidecar becomes a working container and an idle twin (pkg/webhook/pod/mutating/sidecarset.go,
// buildSidecars; pkg/control/sidecarcontrol/util_hotupgrade.go, GetHotUpgradeContainerName).
import type { SidecarContainer } from '../sidecarset/types.js';
import { deepClone } from '../util/json.js';
import { versionAnnotation, versionAltAnnotation } from '../sidecarset/kruise-keys.js';

export const HOT_UPGRADE_SUFFIXES = ['-1', '-2'] as const;

export function hotUpgradeContainers(c: SidecarContainer): {
  containers: [SidecarContainer, SidecarContainer];
  annotations: Map<string, string>;
  working: string;
} {
  const [working, idle] = HOT_UPGRADE_SUFFIXES.map((s) => c.name + s);
  const first = deepClone(c);
  const second = deepClone(c);
  first.name = working;
  second.name = idle;
  second.image = c.upgradeStrategy?.hotUpgradeEmptyImage ?? '';
  for (const twin of [first, second]) {
    twin.env = [
      ...(twin.env ?? []),
      { name: 'SIDECARSET_VERSION', valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${versionAnnotation(twin.name)}']` } } },
      {
        name: 'SIDECARSET_VERSION_ALT',
        valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${versionAltAnnotation(twin.name)}']` } },
      },
    ];
  }
  const annotations = new Map([
    [versionAnnotation(working), '1'],
    [versionAltAnnotation(working), '0'],
    [versionAnnotation(idle), '0'],
    [versionAltAnnotation(idle), '1'],
  ]);
  return { containers: [first, second], annotations, working };
}
