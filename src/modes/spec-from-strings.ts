// `inject-sidecarsets --spec-from-strings`: string settings in, the InjectSidecarSets `spec` they
// make out, for generators of such configs (deploy/argocd/generate.sh turns Argo CD's plugin env and
// parameters into one). The generator then needs no copy of the option table: names, types and
// checks are the ConfigMap form's (config/forms.ts), and its messages can name its own variables.
import { specFromStrings, type StringSetting } from '../config/forms.js';

export const SPEC_FROM_STRINGS_FLAG = '--spec-from-strings';

/** stdin: a JSON array of {name, value} strings; stdout: {"spec": {...}, "problems": [{index, message}]}. */
export function specFromStringsCall(input: string): { stdout: string; stderr: string; exitCode: number } {
  let settings: unknown;
  try {
    settings = JSON.parse(input);
  } catch (e) {
    return usage(`the input is not JSON (${(e as Error).message})`);
  }
  const valid = Array.isArray(settings) && settings.every((s) => typeof s?.name === 'string' && typeof s?.value === 'string');
  if (!valid) return usage('the input must be a JSON array of {"name": string, "value": string}');
  return { stdout: `${JSON.stringify(specFromStrings(settings as StringSetting[]))}\n`, stderr: '', exitCode: 0 };
}

function usage(problem: string): { stdout: string; stderr: string; exitCode: number } {
  return { stdout: '', stderr: `inject-sidecarsets ${SPEC_FROM_STRINGS_FLAG}: ${problem}\n`, exitCode: 2 };
}
