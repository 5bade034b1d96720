// Go's regexp (RE2) for the patterns SidecarSets carry: container-name regexes of resourcesPolicy
// and the patchPodMetadata whitelist. Shared by validation and injection.
//
// Kruise compiles them with Go's regexp.Compile (pkg/control/sidecarcontrol/util.go,
// pkg/webhook/sidecarset/validating). A JavaScript RegExp differs in syntax (lookarounds,
// backreferences, \Q…\E, (?i) groups, POSIX and Unicode classes) and backtracks, so a hostile
// pattern such as `(a|a)*b` can take exponential time. re2js is a port of RE2/RE2J: Go's syntax,
// its errors ("error parsing regexp: …"), its repetition and nesting limits, and matching in time
// linear in the name.
import { RE2JS, RE2JSSyntaxException } from 're2js';

/** Longer patterns are refused before parsing: a bound on the work one pattern can ask for. */
export const MAX_REGEX_LENGTH = 2048;

export type CompiledNameRegex = { ok: true; test: (name: string) => boolean } | { ok: false; error: string };

/**
 * Compiles `targetContainersNameRegex` with RE2 (Go regexp) syntax. The resulting test is
 * unanchored, like Go's MatchString: `main` matches `domain-main-2`.
 */
export function compileNameRegex(pattern: string): CompiledNameRegex {
  if (pattern.length > MAX_REGEX_LENGTH) {
    return { ok: false, error: `regex longer than ${MAX_REGEX_LENGTH} characters` };
  }
  try {
    const compiled = RE2JS.compile(pattern);
    return { ok: true, test: (name) => compiled.test(name) };
  } catch (error) {
    if (error instanceof RE2JSSyntaxException) return { ok: false, error: error.message };
    throw error;
  }
}
