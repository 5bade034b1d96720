// The resourcesPolicy expression calculator (Kruise pkg/util/calculator), re-implemented as a
// recursive-descent parser that evaluates while it parses, in the same bottom-up order as
// Kruise's yacc parser, so that the error Kruise reports (the last semantic error seen, which
// wins over a syntax error) is the one reported here.
import { Quantity } from '../k8s/quantity.js';

export type ExprValue = { kind: 'number'; value: number } | { kind: 'quantity'; value: Quantity };
export type ExprOutcome<T> = { ok: true; value: T } | { ok: false; error: string };

/** Kruise has no limits; these only keep hostile SidecarSets from costing time or stack. */
export const MAX_EXPRESSION_LENGTH = 1000;
const MAX_EXPRESSION_NESTING = 100;

const QUANTITY_UNITS: ReadonlySet<string> = new Set(['m', 'k', 'M', 'G', 'T', 'P', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi']);

// Kruise's lexer walks the UTF-8 bytes and turns each byte into a rune on its own, so Go's
// unicode predicates see Latin-1 code points: 0x85 and 0xA0 are spaces, 0xC0..0xFF mostly
// letters, and a multi-byte character becomes a run of unrelated "characters".
function isSpaceByte(b: number): boolean {
  return b === 0x20 || (b >= 0x09 && b <= 0x0d) || b === 0x85 || b === 0xa0;
}

function isDigitByte(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

function isLetterByte(b: number): boolean {
  return (
    (b >= 0x41 && b <= 0x5a) ||
    (b >= 0x61 && b <= 0x7a) ||
    b === 0xaa ||
    b === 0xb5 ||
    b === 0xba ||
    (b >= 0xc0 && b !== 0xd7 && b !== 0xf7)
  );
}

const DOT = 0x2e;
const PERCENT = 0x25;
const PLUS = 0x2b;
const MINUS = 0x2d;
const UNDERSCORE = 0x5f;
const NEWLINE = 0x0a;

type Token =
  | { kind: 'number' | 'quantity' | 'ident'; text: string; end: number }
  | { kind: 'punct'; char: string; end: number }
  | { kind: 'eof'; end: number };

class Lexer {
  private pos = 0;

  constructor(private readonly bytes: Uint8Array) {}

  next(): Token {
    const bytes = this.bytes;
    while (this.pos < bytes.length && isSpaceByte(bytes[this.pos])) this.pos++;
    if (this.pos >= bytes.length) return { kind: 'eof', end: this.pos };
    const start = this.pos;
    const b = bytes[start];
    if (isDigitByte(b) || b === DOT) {
      this.pos = scanNumber(bytes, start);
      const text = latin1(bytes, start, this.pos);
      return { kind: isQuantityText(text) ? 'quantity' : 'number', text, end: this.pos };
    }
    if (isLetterByte(b)) {
      while (this.pos < bytes.length && (isLetterByte(bytes[this.pos]) || isDigitByte(bytes[this.pos]) || bytes[this.pos] === UNDERSCORE)) {
        this.pos++;
      }
      return { kind: 'ident', text: latin1(bytes, start, this.pos), end: this.pos };
    }
    this.pos++;
    return { kind: 'punct', char: String.fromCharCode(b), end: this.pos };
  }
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  let text = '';
  for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]);
  return text;
}

/** Number text: digits, one dot, one exponent (with an optional sign), one percent, then a run of letters. */
function scanNumber(bytes: Uint8Array, start: number): number {
  let pos = start;
  let seenDot = false;
  let seenExponent = false;
  let seenPercent = false;
  let expectExponentDigit = false;
  while (pos < bytes.length) {
    const b = bytes[pos];
    if (isDigitByte(b)) {
      expectExponentDigit = false;
    } else if (b === DOT) {
      if (seenDot || seenExponent || seenPercent) break;
      seenDot = true;
    } else if (b === 0x65 || b === 0x45) {
      if (seenExponent || seenPercent) break;
      seenExponent = true;
      expectExponentDigit = true;
    } else if (b === PLUS || b === MINUS) {
      if (!expectExponentDigit) break;
      expectExponentDigit = false;
    } else if (b === PERCENT) {
      if (seenPercent) break;
      seenPercent = true;
    } else if (isLetterByte(b)) {
      if (expectExponentDigit) break;
      while (pos < bytes.length && isLetterByte(bytes[pos])) pos++;
      break;
    } else {
      break;
    }
    pos++;
  }
  return pos;
}

/** A QUANTITY is number text whose numeric part ([0-9.eE+-]) is followed by exactly one Kubernetes unit. */
function isQuantityText(text: string): boolean {
  const numericEnd = /^[0-9.eE+-]*/.exec(text)![0].length;
  return numericEnd > 0 && numericEnd < text.length && QUANTITY_UNITS.has(text.slice(numericEnd));
}

const GO_DECIMAL_FLOAT = /^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

/**
 * NUMBER literal value. Kruise ignores the parse error, so malformed text ("5x", "1e") is 0.
 * Go's ParseFloat returns +Inf on overflow (kept), but the percent branch returns 0 on any error.
 */
function numberLiteralValue(text: string): number {
  if (text.endsWith('%')) {
    const digits = text.slice(0, -1);
    if (!GO_DECIMAL_FLOAT.test(digits)) return 0;
    const value = Number(digits);
    return Number.isFinite(value) ? value / 100 : 0;
  }
  return GO_DECIMAL_FLOAT.test(text) ? Number(text) : 0;
}

const INT64_LIMIT = 2 ** 63;

/**
 * Go's int64(float64) truncates toward zero. Out of range (or NaN) it is platform-defined in Go;
 * the port reports an error instead of inventing a value.
 */
function truncToInt64(value: number): bigint | undefined {
  if (Number.isNaN(value) || value >= INT64_LIMIT || value < -INT64_LIMIT) return undefined;
  return BigInt(Math.trunc(value));
}

/** Go's Quantity.MilliValue() returns an int64; larger quantities are refused rather than wrapped. */
function milliAsFloat(q: Quantity): number | undefined {
  const milli = q.milliValue();
  if (milli >= 2n ** 63n || milli < -(2n ** 63n)) return undefined;
  return Number(milli);
}

class ParseFailure extends Error {}

const OUT_OF_RANGE = 'value out of range';

class Evaluator {
  private lastError: string | undefined;
  private token: Token;

  constructor(
    private readonly lexer: Lexer,
    private readonly bytes: Uint8Array,
    private readonly variables: ReadonlyMap<string, ExprValue>,
  ) {
    this.token = lexer.next();
  }

  run(): ExprOutcome<ExprValue> {
    let value: ExprValue | null;
    try {
      value = this.expr(0);
      if (this.token.kind !== 'eof') this.syntaxError();
    } catch (failure) {
      if (!(failure instanceof ParseFailure)) throw failure;
      return { ok: false, error: this.lastError ?? failure.message };
    }
    if (value === null) return { ok: false, error: this.lastError ?? 'no result from parser' };
    if (value.kind === 'quantity' ? value.value.sign() < 0 : value.value < 0) {
      const shown = value.kind === 'quantity' ? value.value.toString() : formatGoG(value.value);
      return { ok: false, error: `calculation result is negative: ${shown}` };
    }
    return { ok: true, value };
  }

  private advance(): void {
    this.token = this.lexer.next();
  }

  private isPunct(char: string): boolean {
    return this.punct() === char;
  }

  private punct(): string | undefined {
    return this.token.kind === 'punct' ? this.token.char : undefined;
  }

  private expect(char: string): void {
    if (!this.isPunct(char)) this.syntaxError();
    this.advance();
  }

  private syntaxError(): never {
    // Kruise reports the line and column where the lexer stood after reading the offending token.
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < this.token.end; i++) {
      if (this.bytes[i] === NEWLINE) {
        line++;
        lineStart = i + 1;
      }
    }
    throw new ParseFailure(`parse error: syntax error at line ${line}, col ${this.token.end - lineStart + 1}`);
  }

  private fail(message: string): null {
    this.lastError = message;
    return null;
  }

  private expr(depth: number): ExprValue | null {
    let left = this.term(depth);
    for (let op = this.punct(); op === '+' || op === '-'; op = this.punct()) {
      this.advance();
      left = this.add(left, this.term(depth), op === '-');
    }
    return left;
  }

  private term(depth: number): ExprValue | null {
    let left = this.factor(depth);
    for (let op = this.punct(); op === '*' || op === '/'; op = this.punct()) {
      this.advance();
      const right = this.factor(depth);
      left = op === '*' ? this.multiply(left, right) : this.divide(left, right);
    }
    return left;
  }

  private factor(depth: number): ExprValue | null {
    if (depth > MAX_EXPRESSION_NESTING) {
      this.lastError = `expression nests deeper than ${MAX_EXPRESSION_NESTING} levels`;
      throw new ParseFailure(this.lastError);
    }
    const token = this.token;
    switch (token.kind) {
      case 'number':
        this.advance();
        return { kind: 'number', value: numberLiteralValue(token.text) };
      case 'quantity':
        this.advance();
        return this.quantityLiteral(token.text);
      case 'ident': {
        this.advance();
        if (this.isPunct('(')) return this.call(token.text, depth);
        const name = token.text.toLowerCase();
        return this.variables.get(name) ?? this.fail(`undefined variable: ${name}`);
      }
      case 'punct':
        if (token.char === '(') {
          this.advance();
          const inner = this.expr(depth + 1);
          this.expect(')');
          return inner;
        }
        if (token.char === '-') {
          this.advance();
          const operand = this.factor(depth + 1);
          if (operand === null) return null;
          return operand.kind === 'quantity' ? { kind: 'quantity', value: operand.value.neg() } : { kind: 'number', value: -operand.value };
        }
        return this.syntaxError();
      case 'eof':
        return this.syntaxError();
    }
  }

  private quantityLiteral(text: string): ExprValue | null {
    try {
      return { kind: 'quantity', value: Quantity.parse(text) };
    } catch (error) {
      // Any failure to read the literal is the expression's error, never an exception for the caller.
      return this.fail(error instanceof Error ? error.message : String(error));
    }
  }

  private call(name: string, depth: number): ExprValue | null {
    this.expect('(');
    const args = [this.expr(depth + 1)];
    if (this.isPunct(',')) {
      this.advance();
      args.push(this.expr(depth + 1));
    }
    this.expect(')');
    const lowered = name.toLowerCase();
    if (lowered !== 'max' && lowered !== 'min') return this.fail(`unknown function: ${name}`);
    if (args.length !== 2) return this.fail(`${lowered} function requires exactly 2 arguments, got ${args.length}`);
    const [left, right] = args;
    if (left === null || right === null) return null;
    if (left.kind === 'number' && right.kind === 'number') {
      const pickLeft = lowered === 'max' ? left.value >= right.value : left.value <= right.value;
      return pickLeft ? left : right;
    }
    const leftQ = this.toQuantity(left);
    const rightQ = this.toQuantity(right);
    if (leftQ === null || rightQ === null) return null;
    const order = leftQ.cmp(rightQ);
    const pickLeft = lowered === 'max' ? order >= 0 : order <= 0;
    return { kind: 'quantity', value: pickLeft ? leftQ : rightQ };
  }

  /** A Number joins Quantity arithmetic as trunc(n·1000) milli-units in decimal format. */
  private toQuantity(value: ExprValue): Quantity | null {
    if (value.kind === 'quantity') return value.value;
    const milli = truncToInt64(value.value * 1000);
    return milli === undefined ? this.fail(OUT_OF_RANGE) : Quantity.fromMilli(milli, 'DecimalSI');
  }

  private add(left: ExprValue | null, right: ExprValue | null, subtract: boolean): ExprValue | null {
    if (left === null || right === null) return null;
    if (left.kind === 'number' && right.kind === 'number') {
      return { kind: 'number', value: subtract ? left.value - right.value : left.value + right.value };
    }
    const leftQ = this.toQuantity(left);
    const rightQ = this.toQuantity(right);
    if (leftQ === null || rightQ === null) return null;
    // Go adds the negated right operand, so the left operand's format wins unless it is zero.
    return { kind: 'quantity', value: leftQ.add(subtract ? rightQ.neg() : rightQ) };
  }

  private multiply(left: ExprValue | null, right: ExprValue | null): ExprValue | null {
    if (left === null || right === null) return null;
    if (left.kind === 'quantity') {
      if (right.kind === 'quantity') return this.fail('multiplication of two quantities');
      return this.scale(left.value, (milli) => milli * right.value);
    }
    if (right.kind === 'quantity') return this.scale(right.value, (milli) => milli * left.value);
    return { kind: 'number', value: left.value * right.value };
  }

  private divide(left: ExprValue | null, right: ExprValue | null): ExprValue | null {
    if (left === null || right === null) return null;
    if (right.kind === 'quantity') return this.fail('division by quantity');
    if (right.value === 0) return this.fail('division by zero');
    if (left.kind === 'number') return { kind: 'number', value: left.value / right.value };
    return this.scale(left.value, (milli) => milli / right.value);
  }

  /** Quantity ∘ Number: float64 arithmetic on the milli-value, truncated, keeping the quantity's format. */
  private scale(q: Quantity, op: (milli: number) => number): ExprValue | null {
    const milli = milliAsFloat(q);
    const scaled = milli === undefined ? undefined : truncToInt64(op(milli));
    return scaled === undefined ? this.fail(OUT_OF_RANGE) : { kind: 'quantity', value: Quantity.fromMilli(scaled, q.format) };
  }
}

/** Go's %g (shortest representation), used only in the "negative result" message. */
function formatGoG(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const [mantissa, exponentText] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return String(value);
}

/**
 * Evaluates an expression with the given variables (names in lower case), exactly as Kruise's
 * Calculator.Parse: the raw Number or Quantity, or an error. A negative result is an error.
 */
export function calculate(expr: string, variables: ReadonlyMap<string, ExprValue>): ExprOutcome<ExprValue> {
  if (expr.length > MAX_EXPRESSION_LENGTH) {
    return { ok: false, error: `expression longer than ${MAX_EXPRESSION_LENGTH} characters` };
  }
  const encoded = new TextEncoder().encode(expr);
  // Kruise's lexer reads a NUL byte as the end of the input.
  const nul = encoded.indexOf(0);
  const bytes = nul === -1 ? encoded : encoded.subarray(0, nul);
  return new Evaluator(new Lexer(bytes), bytes, variables).run();
}

/** The variable an injection-time expression sees: `memory` iff the whole word appears (case-sensitive), else `cpu`. */
export function boundVariableName(expr: string): 'cpu' | 'memory' {
  return /\bmemory\b/.test(expr) ? 'memory' : 'cpu';
}

/**
 * Injection-time evaluation of a non-empty expression with the aggregate of the resource being
 * computed. A plain-number result becomes cpu milli-units (trunc(n·1000)) or, when the bound
 * variable is `memory`, whole units (trunc(n)), both decimal.
 */
export function evaluateResourceExpr(expr: string, aggregate: Quantity): ExprOutcome<Quantity> {
  const variable = boundVariableName(expr);
  const outcome = calculate(expr, new Map([[variable, { kind: 'quantity', value: aggregate }]]));
  if (!outcome.ok) return { ok: false, error: `failed to parse expression ${JSON.stringify(expr)}: ${outcome.error}` };
  const result = outcome.value;
  if (result.kind === 'quantity') return { ok: true, value: result.value };
  const converted = variable === 'cpu' ? truncToInt64(result.value * 1000) : truncToInt64(result.value);
  if (converted === undefined) return { ok: false, error: `failed to convert the result of ${JSON.stringify(expr)}: ${OUT_OF_RANGE}` };
  return { ok: true, value: Quantity.fromMilli(variable === 'cpu' ? converted : converted * 1000n, 'DecimalSI') };
}

/**
 * SidecarSet validation of a resourcesExpr field: the field's own variable (`cpu` or `memory`)
 * bound to the plain number 1. Returns the error message, or undefined when valid or empty.
 */
export function validateResourceExpr(expr: string, resource: 'cpu' | 'memory'): string | undefined {
  if (expr === '') return undefined;
  const outcome = calculate(expr, new Map([[resource, { kind: 'number', value: 1 }]]));
  return outcome.ok ? undefined : `invalid expression: ${outcome.error}`;
}
