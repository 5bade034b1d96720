// Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource, v0.32) with exact arithmetic.
// Values are held as a bigint count of nano-units: parsing already rounds to nano precision, and no
// operation here can produce anything finer.

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export class QuantityParseError extends Error {
  override name = 'QuantityParseError';
}

const NANO_PER_UNIT = 1_000_000_000n;
const NANO_PER_MILLI = 1_000_000n;
const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

// Go accepts exponents up to int32 and keeps them symbolic; we materialise values, so anything
// beyond this is refused instead of allocating an astronomically large bigint.
const MAX_DECIMAL_EXPONENT = 1000;

const FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const NUMERIC_ERROR = 'unable to parse numeric part of quantity';
const SUFFIX_ERROR = "unable to parse quantity's suffix";

const DECIMAL_SUFFIX_EXPONENTS: ReadonlyMap<string, number> = new Map([
  ['n', -9],
  ['u', -6],
  ['m', -3],
  ['', 0],
  ['k', 3],
  ['M', 6],
  ['G', 9],
  ['T', 12],
  ['P', 15],
  ['E', 18],
]);
const DECIMAL_SUFFIX_BY_EXPONENT: ReadonlyMap<number, string> = new Map(
  [...DECIMAL_SUFFIX_EXPONENTS].map(([suffix, exponent]) => [exponent, suffix]),
);
const BINARY_SUFFIX_EXPONENTS: ReadonlyMap<string, number> = new Map([
  ['Ki', 10],
  ['Mi', 20],
  ['Gi', 30],
  ['Ti', 40],
  ['Pi', 50],
  ['Ei', 60],
]);
const BINARY_SUFFIX_BY_POWER_OF_1024 = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

const SUFFIX_LETTERS = 'eEinumkKMGTP';

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= '0' && ch <= '9';
}

interface ScannedQuantity {
  positive: boolean;
  /** Integer digits with leading zeros stripped; "0" when none remain. */
  integerDigits: string;
  fractionDigits: string;
  suffix: string;
  /** The numeric prefix as written (sign included); apimachinery re-parses it on its slow path. */
  numberText: string;
}

/** The lexical scan of apimachinery's parseQuantityString, including its leniencies ("1.", ".5", "-"). */
function scanQuantity(text: string): ScannedQuantity {
  let pos = 0;
  let positive = true;
  if (text[0] === '-') {
    positive = false;
    pos++;
  } else if (text[0] === '+') {
    pos++;
  }
  while (text[pos] === '0') pos++;
  if (pos >= text.length) {
    return { positive, integerDigits: '0', fractionDigits: '', suffix: '', numberText: '0' };
  }
  const integerStart = pos;
  while (isDigit(text[pos])) pos++;
  const integerDigits = text.slice(integerStart, pos) || '0';
  let fractionDigits = '';
  if (text[pos] === '.') {
    pos++;
    const fractionStart = pos;
    while (isDigit(text[pos])) pos++;
    fractionDigits = text.slice(fractionStart, pos);
  }
  const numberText = text.slice(0, pos);
  const suffixStart = pos;
  while (pos < text.length && SUFFIX_LETTERS.includes(text[pos])) pos++;
  if (text[pos] === '-' || text[pos] === '+') pos++;
  while (isDigit(text[pos])) pos++;
  if (pos < text.length) throw new QuantityParseError(`${JSON.stringify(text)}: ${FORMAT_ERROR}`);
  return { positive, integerDigits, fractionDigits, suffix: text.slice(suffixStart), numberText };
}

interface Suffix {
  base: 2 | 10;
  exponent: number;
  format: QuantityFormat;
}

function interpretSuffix(suffix: string): Suffix | undefined {
  const decimal = DECIMAL_SUFFIX_EXPONENTS.get(suffix);
  if (decimal !== undefined) return { base: 10, exponent: decimal, format: 'DecimalSI' };
  const binary = BINARY_SUFFIX_EXPONENTS.get(suffix);
  if (binary !== undefined) return { base: 2, exponent: binary, format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?[0-9]+$/.test(suffix.slice(1))) {
    const parsed = BigInt(suffix.slice(1));
    if (parsed < INT64_MIN || parsed > INT64_MAX) return undefined;
    // Go narrows the parsed int64 exponent to int32 without a range check.
    return { base: 10, exponent: Number(BigInt.asIntN(32, parsed)), format: 'DecimalExponent' };
  }
  return undefined;
}

/** |numerator / denominator| rounded away from zero, sign kept. */
function divideAwayFromZero(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  if (quotient * denominator === numerator) return quotient;
  return numerator < 0n ? quotient - 1n : quotient + 1n;
}

function decimalDigitCount(value: bigint): number {
  return (value < 0n ? -value : value).toString().length;
}

/** digits × 10^power in nano-units, rounded away from zero when finer than a nano-unit. */
function scaledToNano(digits: bigint, power: number): bigint {
  const nanoPower = power + 9;
  if (nanoPower >= 0) return digits * 10n ** BigInt(nanoPower);
  if (digits === 0n) return 0n;
  // Every non-zero amount smaller than one nano-unit rounds up to exactly one.
  if (-nanoPower > decimalDigitCount(digits)) return digits < 0n ? -1n : 1n;
  return divideAwayFromZero(digits, 10n ** BigInt(-nanoPower));
}

export class Quantity {
  private constructor(
    private readonly nano: bigint,
    readonly format: QuantityFormat,
    /** The input text, kept when apimachinery would serialise the value exactly as it was written. */
    private readonly verbatim?: string,
  ) {}

  static parse(text: string): Quantity {
    if (text.length === 0) throw new QuantityParseError(`"": ${FORMAT_ERROR}`);
    if (text === '0') return new Quantity(0n, 'DecimalSI', '0');
    const scanned = scanQuantity(text);
    const suffix = interpretSuffix(scanned.suffix);
    if (!suffix) throw new QuantityParseError(`${JSON.stringify(text)}: ${SUFFIX_ERROR}`);
    if (suffix.base === 10 && suffix.exponent > MAX_DECIMAL_EXPONENT) {
      throw new QuantityParseError(`${JSON.stringify(text)}: exponent too large to represent`);
    }
    return Quantity.fastParse(text, scanned, suffix) ?? Quantity.exactParse(text, scanned, suffix);
  }

  static fromMilli(milli: bigint, format: QuantityFormat): Quantity {
    return new Quantity(milli * NANO_PER_MILLI, format);
  }

  static zero(): Quantity {
    // Go's format-less zero: every operation here makes a zero adopt the other operand's format,
    // and it always prints "0", so DecimalSI stands in for the empty format.
    return new Quantity(0n, 'DecimalSI');
  }

  // apimachinery's int64 path: small values keep their text when it is already canonical-looking
  // (that text, not the canonical form, is what Go serialises, e.g. "+1" or "1.").
  private static fastParse(text: string, scanned: ScannedQuantity, suffix: Suffix): Quantity | undefined {
    const { integerDigits, fractionDigits } = scanned;
    const shifted = integerDigits + fractionDigits;
    let scale: number;
    let keepText: boolean;
    let nano: bigint;
    if (suffix.base === 10) {
      if (integerDigits.length + fractionDigits.length > 18) return undefined;
      scale = suffix.exponent - fractionDigits.length;
      if (scale < -9) return undefined;
      const value = BigInt(shifted);
      nano = scaledToNano(value, scale);
      keepText = scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0';
    } else {
      if (fractionDigits.length !== 0) return undefined;
      const precision = 15 - integerDigits.length - Math.trunc((suffix.exponent * 3) / 10) - 1;
      if (precision < 0) return undefined;
      const value = BigInt(integerDigits);
      const units = value << BigInt(suffix.exponent);
      if (units > INT64_MAX) return undefined;
      nano = units * NANO_PER_UNIT;
      keepText = (value & 7n) !== 0n;
    }
    if (!scanned.positive) nano = -nano;
    return new Quantity(nano, suffix.format, keepText ? text : undefined);
  }

  private static exactParse(text: string, scanned: ScannedQuantity, suffix: Suffix): Quantity {
    if (!/[0-9]/.test(scanned.numberText)) throw new QuantityParseError(`${JSON.stringify(text)}: ${NUMERIC_ERROR}`);
    const digits = BigInt(scanned.integerDigits + scanned.fractionDigits);
    let magnitude: bigint;
    if (suffix.base === 10) {
      magnitude = scaledToNano(digits, suffix.exponent - scanned.fractionDigits.length);
    } else {
      const numerator = (digits << BigInt(suffix.exponent)) * NANO_PER_UNIT;
      magnitude = divideAwayFromZero(numerator, 10n ** BigInt(scanned.fractionDigits.length));
    }
    let format = suffix.format;
    if (format === 'BinarySI') {
      if (magnitude > INT64_MAX * NANO_PER_UNIT) magnitude = INT64_MAX * NANO_PER_UNIT;
      if (magnitude > 0n && magnitude < NANO_PER_UNIT) format = 'DecimalSI';
    }
    return new Quantity(scanned.positive ? magnitude : -magnitude, format);
  }

  /** ceil(value × 1000), rounding away from zero for negative values as apimachinery's int64 path does. */
  milliValue(): bigint {
    return divideAwayFromZero(this.nano, NANO_PER_MILLI);
  }

  isZero(): boolean {
    return this.nano === 0n;
  }

  sign(): -1 | 0 | 1 {
    return this.nano === 0n ? 0 : this.nano < 0n ? -1 : 1;
  }

  add(other: Quantity): Quantity {
    return new Quantity(this.nano + other.nano, this.isZero() ? other.format : this.format);
  }

  sub(other: Quantity): Quantity {
    return new Quantity(this.nano - other.nano, this.isZero() ? other.format : this.format);
  }

  neg(): Quantity {
    return new Quantity(-this.nano, this.format);
  }

  cmp(other: Quantity): -1 | 0 | 1 {
    return this.nano === other.nano ? 0 : this.nano < other.nano ? -1 : 1;
  }

  roundUpToMilli(): Quantity {
    const rounded = divideAwayFromZero(this.nano, NANO_PER_MILLI) * NANO_PER_MILLI;
    return rounded === this.nano ? this : new Quantity(rounded, this.format);
  }

  toString(): string {
    return this.verbatim ?? this.canonical();
  }

  private canonical(): string {
    if (this.nano === 0n) return '0';
    if (this.format === 'BinarySI') {
      const wholeUnits = this.nano % NANO_PER_UNIT === 0n;
      const belowOneKi = this.nano > -1024n * NANO_PER_UNIT && this.nano < 1024n * NANO_PER_UNIT;
      if (wholeUnits && !belowOneKi) return this.binaryCanonical();
      return this.decimalCanonical('DecimalSI');
    }
    return this.decimalCanonical(this.format);
  }

  private binaryCanonical(): string {
    let mantissa = this.nano / NANO_PER_UNIT;
    let powerOf1024 = 0;
    while (mantissa % 1024n === 0n) {
      mantissa /= 1024n;
      powerOf1024++;
    }
    // Beyond Ei apimachinery finds no suffix and prints the bare mantissa; reproduced as is.
    return `${mantissa}${BINARY_SUFFIX_BY_POWER_OF_1024[powerOf1024] ?? ''}`;
  }

  private decimalCanonical(format: 'DecimalSI' | 'DecimalExponent'): string {
    let mantissa = this.nano;
    let exponent = -9;
    while (mantissa % 10n === 0n) {
      mantissa /= 10n;
      exponent++;
    }
    const excess = ((exponent % 3) + 3) % 3;
    mantissa *= 10n ** BigInt(excess);
    exponent -= excess;
    if (format === 'DecimalExponent') return exponent === 0 ? `${mantissa}` : `${mantissa}e${exponent}`;
    // Above E (10^18) apimachinery finds no SI suffix and prints the bare mantissa; reproduced as is.
    return `${mantissa}${DECIMAL_SUFFIX_BY_EXPONENT.get(exponent) ?? ''}`;
  }
}

export function canonicalQuantity(text: string): string {
  return Quantity.parse(text).toString();
}
