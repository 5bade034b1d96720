// Kruise's test for "could two SidecarSets select the same pods" (pkg/util/selector.go), reproduced
// with its quirks: it is a heuristic, not a set intersection (e.g. {app: a} and {app: a, tier Exists}
// count as disjoint), and conflicts between SidecarSets are decided by it.
import type { V1LabelSelector as LabelSelector } from '@kubernetes/client-node';

// Kruise's literal marker for "any value" in the map built from an Exists requirement.
const ANY_VALUE = 'ALL';

export function selectorsOverlap(a: LabelSelector, b: LabelSelector): boolean {
  return !(isDisjoint(a, b) || isDisjoint(b, a));
}

/** Whether `other` demands something that `base`'s positive requirements rule out. */
function isDisjoint(base: LabelSelector, other: LabelSelector): boolean {
  const allowed = allowedValuesByKey(base);
  for (const [key, value] of Object.entries(other.matchLabels ?? {})) {
    const values = allowed.get(key);
    if (values && !values.includes(ANY_VALUE) && !values.includes(value)) return true;
  }
  for (const req of other.matchExpressions ?? []) {
    const values = allowed.get(req.key);
    const reqValues = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (values && !values.includes(ANY_VALUE) && !values.some((v) => reqValues.includes(v))) return true;
        break;
      case 'NotIn':
        if (values && values.every((v) => reqValues.includes(v))) return true;
        break;
      case 'Exists':
        if (!values) return true;
        break;
      case 'DoesNotExist':
        if (values) return true;
        break;
    }
  }
  return false;
}

// matchLabels k=v gives k → [v]; In appends its values (an In without values adds no key);
// Exists replaces the list by the marker; NotIn and DoesNotExist contribute nothing.
function allowedValuesByKey(selector: LabelSelector): Map<string, string[]> {
  const allowed = new Map<string, string[]>();
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) allowed.set(key, [value]);
  for (const req of selector.matchExpressions ?? []) {
    if (req.operator === 'In') {
      for (const value of req.values ?? []) allowed.set(req.key, [...(allowed.get(req.key) ?? []), value]);
    } else if (req.operator === 'Exists') {
      allowed.set(req.key, [ANY_VALUE]);
    }
  }
  return allowed;
}
