// Go's regexp (RE2) for the patterns SidecarSets carry: container-name regexes of resourcesPolicy
// and the patchPodMetadata whitelist. Shared by validation and injection.

// ---------------------------------------------------------------------------------------------
// RE2 syntax, matched without backtracking.
//
// Kruise compiles the pattern with Go's regexp (RE2). A JavaScript RegExp differs in syntax
// (lookarounds, backreferences, \Q…\E, (?i) groups, POSIX classes) and backtracks, so a hostile
// pattern such as `(a|a)*b` or `.*.*.*.*!` can take exponential or high-polynomial time. Instead the
// pattern is parsed with Go's rules (accepting and rejecting what Go accepts and rejects) and run
// as a Thompson NFA, whose cost is (pattern size × name length) whatever the pattern. Only a
// boolean "matches somewhere" is needed, so there is no capture or priority bookkeeping.
// Extra limits Go does not have (errors instead of work): pattern length, group nesting and the
// size of the compiled program after expanding counted repetitions.
// ---------------------------------------------------------------------------------------------

export const MAX_REGEX_LENGTH = 2048;
const MAX_REGEX_NESTING = 200;
const MAX_REGEX_PROGRAM = 20_000;
const MAX_REPEAT = 1000;

type AssertKind = 'beginText' | 'endText' | 'beginLine' | 'endLine' | 'wordBoundary' | 'noWordBoundary';
type CharTest = (cp: number) => boolean;

type RegexNode =
  | { op: 'empty' }
  | { op: 'char'; test: CharTest }
  | { op: 'assert'; kind: AssertKind }
  | { op: 'concat'; items: RegexNode[] }
  | { op: 'alternate'; items: RegexNode[] }
  | { op: 'repeat'; item: RegexNode; min: number; max: number }; // max -1 = unbounded

interface RegexFlags {
  foldCase: boolean;
  multiLine: boolean;
  dotNewline: boolean;
}

class RegexSyntaxError extends Error {}

const NEWLINE = 0x0a;

function isAsciiWord(cp: number | undefined): boolean {
  return cp !== undefined && ((cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) || cp === 0x5f);
}

const PERL_CLASSES: Readonly<Record<string, CharTest>> = {
  d: (cp) => cp >= 0x30 && cp <= 0x39,
  s: (cp) => cp === 0x09 || cp === 0x0a || cp === 0x0c || cp === 0x0d || cp === 0x20,
  w: (cp) => isAsciiWord(cp),
};

const inRange = (lo: number, hi: number): CharTest => (cp) => cp >= lo && cp <= hi;
const anyOf = (...tests: CharTest[]): CharTest => (cp) => tests.some((test) => test(cp));

const POSIX_CLASSES: Readonly<Record<string, CharTest>> = {
  alnum: anyOf(inRange(0x30, 0x39), inRange(0x41, 0x5a), inRange(0x61, 0x7a)),
  alpha: anyOf(inRange(0x41, 0x5a), inRange(0x61, 0x7a)),
  ascii: inRange(0x00, 0x7f),
  blank: (cp) => cp === 0x09 || cp === 0x20,
  cntrl: anyOf(inRange(0x00, 0x1f), (cp) => cp === 0x7f),
  digit: inRange(0x30, 0x39),
  graph: inRange(0x21, 0x7e),
  lower: inRange(0x61, 0x7a),
  print: inRange(0x20, 0x7e),
  punct: anyOf(inRange(0x21, 0x2f), inRange(0x3a, 0x40), inRange(0x5b, 0x60), inRange(0x7b, 0x7e)),
  space: anyOf(inRange(0x09, 0x0d), (cp) => cp === 0x20),
  upper: inRange(0x41, 0x5a),
  word: (cp) => isAsciiWord(cp),
  xdigit: anyOf(inRange(0x30, 0x39), inRange(0x41, 0x46), inRange(0x61, 0x66)),
};

// Go's unicode.Categories keys; anything else after \p must be a script name.
const GO_CATEGORIES = new Set(
  'C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs'.split(' '),
);

function unicodeClass(name: string): CharTest | undefined {
  if (name === 'Any') return () => true;
  if (!/^[A-Za-z_]+$/.test(name)) return undefined;
  const property = GO_CATEGORIES.has(name) ? name : `Script=${name}`;
  let probe: RegExp;
  try {
    probe = new RegExp(`^\\p{${property}}$`, 'u');
  } catch {
    return undefined;
  }
  return (cp) => probe.test(String.fromCodePoint(cp));
}

/** Simple case folding: a character matches if it or its single-character case variants do. */
function folded(test: CharTest): CharTest {
  return (cp) => {
    if (test(cp)) return true;
    const text = String.fromCodePoint(cp);
    for (const variant of [text.toLowerCase(), text.toUpperCase()]) {
      const code = variant.codePointAt(0)!;
      if (variant.length === String.fromCodePoint(code).length && code !== cp && test(code)) return true;
    }
    return false;
  };
}

class RegexParser {
  private pos = 0;
  private depth = 0;
  private readonly names = new Set<string>();
  private readonly cps: number[];

  constructor(private readonly pattern: string) {
    this.cps = Array.from(pattern, (ch) => ch.codePointAt(0)!);
  }

  parse(): RegexNode {
    const node = this.alternation({ foldCase: false, multiLine: false, dotNewline: false });
    if (this.pos < this.cps.length) throw this.error('unexpected )');
    return node;
  }

  private error(code: string): RegexSyntaxError {
    return new RegexSyntaxError(`error parsing regexp: ${code}: \`${this.pattern}\``);
  }

  private peek(offset = 0): number | undefined {
    return this.cps[this.pos + offset];
  }

  private peekChar(offset = 0): string | undefined {
    const cp = this.peek(offset);
    return cp === undefined ? undefined : String.fromCodePoint(cp);
  }

  /** alternation := concat ('|' concat)* ; stops before ')' or at the end. */
  private alternation(flags: RegexFlags): RegexNode {
    const branches = [this.concat(flags)];
    while (this.peekChar() === '|') {
      this.pos++;
      branches.push(this.concat(flags));
    }
    return branches.length === 1 ? branches[0] : { op: 'alternate', items: branches };
  }

  private concat(flags: RegexFlags): RegexNode {
    const items: RegexNode[] = [];
    let lastWasRepeat = false;
    for (;;) {
      const ch = this.peekChar();
      if (ch === undefined || ch === '|' || ch === ')') break;
      const repeat = this.repetitionOperator();
      if (repeat) {
        if (lastWasRepeat) throw this.error('invalid nested repetition operator');
        const item = items.pop();
        if (item === undefined) throw this.error('missing argument to repetition operator');
        items.push({ op: 'repeat', item, min: repeat.min, max: repeat.max });
        lastWasRepeat = true;
        continue;
      }
      lastWasRepeat = false;
      const atom = this.atom(flags);
      if (atom) items.push(atom);
    }
    return items.length === 1 ? items[0] : items.length === 0 ? { op: 'empty' } : { op: 'concat', items };
  }

  /** `*`, `+`, `?` or a well-formed `{n}`, `{n,}`, `{n,m}`, each optionally followed by `?` (laziness is irrelevant to matching). */
  private repetitionOperator(): { min: number; max: number } | undefined {
    const ch = this.peekChar();
    let bounds: { min: number; max: number } | undefined;
    if (ch === '*') bounds = { min: 0, max: -1 };
    else if (ch === '+') bounds = { min: 1, max: -1 };
    else if (ch === '?') bounds = { min: 0, max: 1 };
    if (bounds) {
      this.pos++;
    } else if (ch === '{') {
      bounds = this.countedRepeat();
      if (!bounds) return undefined;
    } else {
      return undefined;
    }
    if (this.peekChar() === '?') this.pos++;
    return bounds;
  }

  /** Go's parseRepeat: anything that is not exactly a count (e.g. `{`, `{,2}`, `{01}`) is a literal brace. */
  private countedRepeat(): { min: number; max: number } | undefined {
    const start = this.pos;
    this.pos++;
    const min = this.repeatInt();
    let max = min;
    if (min !== undefined && this.peekChar() === ',') {
      this.pos++;
      max = this.peekChar() === '}' ? -1 : this.repeatInt();
    }
    if (min === undefined || max === undefined || this.peekChar() !== '}') {
      this.pos = start;
      return undefined;
    }
    this.pos++;
    if (min < 0 || min > MAX_REPEAT || max > MAX_REPEAT || max < -1 || (max >= 0 && min > max)) {
      throw this.error('invalid repeat count');
    }
    return { min, max };
  }

  /** Digits without a leading zero (else not a count); huge values become -2 so the count check rejects them. */
  private repeatInt(): number | undefined {
    const start = this.pos;
    while (this.peekChar() !== undefined && /[0-9]/.test(this.peekChar()!)) this.pos++;
    const digits = String.fromCodePoint(...this.cps.slice(start, this.pos));
    if (digits === '' || (digits.length > 1 && digits[0] === '0')) {
      this.pos = start;
      return undefined;
    }
    return digits.length > 8 ? -2 : Number(digits);
  }

  private atom(flags: RegexFlags): RegexNode | undefined {
    const ch = this.peekChar()!;
    switch (ch) {
      case '(':
        return this.group(flags);
      case '[':
        return { op: 'char', test: this.bracketClass(flags) };
      case '.':
        this.pos++;
        return { op: 'char', test: flags.dotNewline ? () => true : (cp) => cp !== NEWLINE };
      case '^':
        this.pos++;
        return { op: 'assert', kind: flags.multiLine ? 'beginLine' : 'beginText' };
      case '$':
        this.pos++;
        return { op: 'assert', kind: flags.multiLine ? 'endLine' : 'endText' };
      case '\\':
        return this.escapeAtom(flags);
      default:
        this.pos++;
        return this.literal(this.cps[this.pos - 1], flags);
    }
  }

  private literal(cp: number, flags: RegexFlags): RegexNode {
    const exact: CharTest = (c) => c === cp;
    return { op: 'char', test: flags.foldCase ? folded(exact) : exact };
  }

  private group(outer: RegexFlags): RegexNode | undefined {
    this.pos++; // (
    let flags = outer;
    if (this.peekChar() === '?') {
      const named = this.namedGroupStart();
      if (!named) {
        const parsed = this.flagGroup(outer);
        if (parsed.scopeOnly) {
          // `(?i)` changes the flags for the rest of the enclosing group, later alternatives included.
          Object.assign(outer, parsed.flags);
          return undefined;
        }
        flags = parsed.flags;
      }
    }
    if (++this.depth > MAX_REGEX_NESTING) throw this.error('expression nests too deeply');
    const inner = this.alternation({ ...flags });
    this.depth--;
    if (this.peekChar() !== ')') throw this.error('missing closing )');
    this.pos++;
    return inner;
  }

  /** `(?P<name>` or `(?<name>`: consumed when present; the name must be a word and unique. */
  private namedGroupStart(): boolean {
    const isP = this.peekChar(1) === 'P' && this.peekChar(2) === '<';
    if (!isP && this.peekChar(1) !== '<') return false;
    const nameStart = this.pos + (isP ? 3 : 2);
    const close = this.cps.indexOf(0x3e, nameStart);
    if (close < 0) throw this.error('invalid named capture');
    const name = String.fromCodePoint(...this.cps.slice(nameStart, close));
    if (!/^[A-Za-z0-9_]+$/.test(name)) throw this.error('invalid named capture');
    if (this.names.has(name)) throw this.error('duplicate capture group name');
    this.names.add(name);
    this.pos = close + 1;
    return true;
  }

  /** Go's parsePerlFlags: `(?flags)` (scope-only) or `(?flags:`; lookarounds and the like are unsupported. */
  private flagGroup(outer: RegexFlags): { flags: RegexFlags; scopeOnly: boolean } {
    const flags = { ...outer };
    this.pos++; // ?
    let negated = false;
    let sawFlag = false;
    for (;;) {
      const ch = this.peekChar();
      this.pos++;
      switch (ch) {
        case 'i':
          flags.foldCase = !negated;
          break;
        case 'm':
          flags.multiLine = !negated;
          break;
        case 's':
          flags.dotNewline = !negated;
          break;
        case 'U': // ungreedy: no effect on whether a match exists
          break;
        case '-':
          if (negated) throw this.error('invalid or unsupported Perl syntax');
          negated = true;
          sawFlag = false;
          continue;
        case ':':
        case ')':
          if (negated && !sawFlag) throw this.error('invalid or unsupported Perl syntax');
          return { flags, scopeOnly: ch === ')' };
        default:
          throw this.error('invalid or unsupported Perl syntax');
      }
      sawFlag = true;
    }
  }

  private escapeAtom(flags: RegexFlags): RegexNode {
    const next = this.peekChar(1);
    if (next === undefined) throw this.error('trailing backslash at end of expression');
    const assertions: Partial<Record<string, AssertKind>> = { A: 'beginText', z: 'endText', b: 'wordBoundary', B: 'noWordBoundary' };
    const assertion = assertions[next];
    if (assertion) {
      this.pos += 2;
      return { op: 'assert', kind: assertion };
    }
    if (next === 'C') throw this.error('invalid escape sequence');
    if (next === 'Q') {
      this.pos += 2;
      const items: RegexNode[] = [];
      while (this.pos < this.cps.length && !(this.peekChar() === '\\' && this.peekChar(1) === 'E')) {
        items.push(this.literal(this.cps[this.pos++], flags));
      }
      if (this.pos < this.cps.length) this.pos += 2;
      return { op: 'concat', items };
    }
    let test = this.classEscape();
    if (!test) {
      const cp = this.escapedChar();
      test = (c) => c === cp;
    }
    return { op: 'char', test: flags.foldCase ? folded(test) : test };
  }

  /** `\d \D \s \S \w \W` and `\pX \p{Name} \p{^Name} \PX …` at the current backslash, if any. */
  private classEscape(): CharTest | undefined {
    const kind = this.peekChar(1);
    if (kind === undefined) return undefined;
    const perl = PERL_CLASSES[kind.toLowerCase()];
    if (perl && 'dswDSW'.includes(kind)) {
      this.pos += 2;
      return kind === kind.toLowerCase() ? perl : (cp) => !perl(cp);
    }
    if (kind !== 'p' && kind !== 'P') return undefined;
    this.pos += 2;
    let name: string;
    if (this.peekChar() === '{') {
      const close = this.cps.indexOf(0x7d, this.pos);
      if (close < 0) throw this.error('invalid character class range');
      name = String.fromCodePoint(...this.cps.slice(this.pos + 1, close));
      this.pos = close + 1;
    } else {
      const cp = this.peek();
      if (cp === undefined) throw this.error('invalid character class range');
      name = String.fromCodePoint(cp);
      this.pos++;
    }
    let negate = kind === 'P';
    if (name.startsWith('^')) {
      negate = !negate;
      name = name.slice(1);
    }
    const test = unicodeClass(name);
    if (!test) throw this.error('invalid character class range');
    return negate ? (cp) => !test(cp) : test;
  }

  /** Go's parseEscape at the current backslash: one character. */
  private escapedChar(): number {
    this.pos++; // backslash
    const cp = this.peek()!;
    const ch = String.fromCodePoint(cp);
    this.pos++;
    if (cp < 0x80 && !/[0-9A-Za-z]/.test(ch)) return cp;
    if (ch >= '1' && ch <= '7' && !/[0-7]/.test(this.peekChar() ?? '')) {
      throw this.error('invalid escape sequence'); // a backreference
    }
    if (ch >= '0' && ch <= '7') {
      let value = cp - 0x30;
      for (let i = 1; i < 3 && /[0-7]/.test(this.peekChar() ?? ''); i++) value = value * 8 + (this.cps[this.pos++] - 0x30);
      return value;
    }
    if (ch === 'x') return this.hexEscape();
    const controls: Partial<Record<string, number>> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
    const control = controls[ch];
    if (control !== undefined) return control;
    throw this.error('invalid escape sequence');
  }

  private hexEscape(): number {
    const hex = (c: string | undefined) => (c !== undefined && /^[0-9A-Fa-f]$/.test(c) ? parseInt(c, 16) : -1);
    if (this.peekChar() === '{') {
      this.pos++;
      let value = 0;
      let digits = 0;
      for (;;) {
        const ch = this.peekChar();
        this.pos++;
        if (ch === '}') break;
        const digit = hex(ch);
        if (digit < 0) throw this.error('invalid escape sequence');
        value = value * 16 + digit;
        if (value > 0x10ffff) throw this.error('invalid escape sequence');
        digits++;
      }
      if (digits === 0) throw this.error('invalid escape sequence');
      return value;
    }
    const high = hex(this.peekChar());
    const low = hex(this.peekChar(1));
    if (high < 0 || low < 0) throw this.error('invalid escape sequence');
    this.pos += 2;
    return high * 16 + low;
  }

  /** `[...]`: Go's parseClass with Perl flags (a leading `]` or `-` is literal, `-` anywhere is fine). */
  private bracketClass(flags: RegexFlags): CharTest {
    this.pos++; // [
    let negate = false;
    if (this.peekChar() === '^') {
      negate = true;
      this.pos++;
    }
    const members: CharTest[] = [];
    let first = true;
    while (first || this.peekChar() !== ']') {
      if (this.peekChar() === undefined) throw this.error('missing closing ]');
      first = false;
      const posix = this.posixClass();
      if (posix) {
        members.push(posix);
        continue;
      }
      if (this.peekChar() === '\\') {
        const escaped = this.classEscape();
        if (escaped) {
          members.push(escaped);
          continue;
        }
      }
      const lo = this.classChar();
      let hi = lo;
      if (this.peekChar() === '-' && this.peekChar(1) !== undefined && this.peekChar(1) !== ']') {
        this.pos++;
        hi = this.classChar();
        if (hi < lo) throw this.error('invalid character class range');
      }
      members.push(inRange(lo, hi));
    }
    this.pos++; // ]
    const union = anyOf(...members);
    const test = flags.foldCase ? folded(union) : union;
    return negate ? (cp) => !test(cp) : test;
  }

  private posixClass(): CharTest | undefined {
    if (this.peekChar() !== '[' || this.peekChar(1) !== ':') return undefined;
    const rest = String.fromCodePoint(...this.cps.slice(this.pos + 2));
    const end = rest.indexOf(':]');
    if (end < 0) return undefined;
    let name = rest.slice(0, end);
    const negate = name.startsWith('^');
    if (negate) name = name.slice(1);
    const test = Object.hasOwn(POSIX_CLASSES, name) ? POSIX_CLASSES[name] : undefined;
    if (!test) throw this.error('invalid character class range');
    this.pos += 2 + Array.from(rest.slice(0, end)).length + 2;
    return negate ? (cp) => !test(cp) : test;
  }

  private classChar(): number {
    const cp = this.peek();
    if (cp === undefined) throw this.error('missing closing ]');
    if (cp === 0x5c) {
      if (this.peek(1) === undefined) throw this.error('missing closing ]');
      return this.escapedChar();
    }
    this.pos++;
    return cp;
  }
}

type Instruction =
  | { op: 'char'; test: CharTest; next: number }
  | { op: 'split'; next: number; alt: number }
  | { op: 'assert'; kind: AssertKind; next: number }
  | { op: 'match' };

class ProgramBuilder {
  readonly program: Instruction[] = [{ op: 'match' }];
  // Counted repetitions of empty sub-patterns emit nothing, so instructions alone do not bound the work.
  private emitted = 0;

  private push(instruction: Instruction): number {
    if (this.program.length >= MAX_REGEX_PROGRAM) {
      throw new RegexSyntaxError(`regex too large: more than ${MAX_REGEX_PROGRAM} instructions after expanding repetitions`);
    }
    return this.program.push(instruction) - 1;
  }

  /** Emits `node` so that it continues at `next`; returns its entry point. */
  emit(node: RegexNode, next: number): number {
    if (++this.emitted > MAX_REGEX_PROGRAM * 10) {
      throw new RegexSyntaxError(`regex too large: more than ${MAX_REGEX_PROGRAM * 10} nodes after expanding repetitions`);
    }
    switch (node.op) {
      case 'empty':
        return next;
      case 'char':
        return this.push({ op: 'char', test: node.test, next });
      case 'assert':
        return this.push({ op: 'assert', kind: node.kind, next });
      case 'concat':
        return node.items.reduceRight((continuation, item) => this.emit(item, continuation), next);
      case 'alternate':
        return node.items
          .map((item) => this.emit(item, next))
          .reduceRight((rest, entry) => this.push({ op: 'split', next: entry, alt: rest }));
      case 'repeat': {
        let entry = next;
        if (node.max === -1) {
          const loop = this.push({ op: 'split', next: 0, alt: next });
          (this.program[loop] as { next: number }).next = this.emit(node.item, loop);
          entry = loop;
        } else {
          for (let i = node.min; i < node.max; i++) {
            entry = this.push({ op: 'split', next: this.emit(node.item, entry), alt: next });
          }
        }
        for (let i = 0; i < node.min; i++) entry = this.emit(node.item, entry);
        return entry;
      }
    }
  }
}

function assertionHolds(kind: AssertKind, input: readonly number[], pos: number): boolean {
  const before = input[pos - 1];
  const after = input[pos];
  switch (kind) {
    case 'beginText':
      return pos === 0;
    case 'endText':
      return pos === input.length;
    case 'beginLine':
      return pos === 0 || before === NEWLINE;
    case 'endLine':
      return pos === input.length || after === NEWLINE;
    case 'wordBoundary':
      return isAsciiWord(before) !== isAsciiWord(after);
    case 'noWordBoundary':
      return isAsciiWord(before) === isAsciiWord(after);
  }
}

/** Thompson simulation: true as soon as any thread reaches the match state, starting anywhere. */
function runProgram(program: readonly Instruction[], entry: number, text: string): boolean {
  const input = Array.from(text, (ch) => ch.codePointAt(0)!);
  const seen = new Int32Array(program.length).fill(-1);
  let current: number[] = [];
  const stack: number[] = [];
  const addThread = (list: number[], start: number, pos: number, generation: number): boolean => {
    stack.push(start);
    while (stack.length > 0) {
      const pc = stack.pop()!;
      if (seen[pc] === generation) continue;
      seen[pc] = generation;
      const instruction = program[pc];
      switch (instruction.op) {
        case 'match':
          stack.length = 0;
          return true;
        case 'char':
          list.push(pc);
          break;
        case 'split':
          stack.push(instruction.alt, instruction.next);
          break;
        case 'assert':
          if (assertionHolds(instruction.kind, input, pos)) stack.push(instruction.next);
          break;
      }
    }
    return false;
  };
  for (let pos = 0; ; pos++) {
    if (addThread(current, entry, pos, pos)) return true;
    if (pos === input.length) return false;
    const next: number[] = [];
    for (const pc of current) {
      const instruction = program[pc] as { op: 'char'; test: CharTest; next: number };
      if (instruction.test(input[pos]) && addThread(next, instruction.next, pos + 1, pos + 1)) return true;
    }
    current = next;
  }
}

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
    const builder = new ProgramBuilder();
    const entry = builder.emit(new RegexParser(pattern).parse(), 0);
    const program = builder.program;
    return { ok: true, test: (name) => runProgram(program, entry, name) };
  } catch (error) {
    if (error instanceof RegexSyntaxError) return { ok: false, error: error.message };
    throw error;
  }
}
