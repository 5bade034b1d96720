import { describe, expect, it } from 'vitest';
import { Quantity, QuantityParseError, canonicalQuantity } from '../../src/k8s/quantity.js';

describe('canonical form (spec §4.4 table)', () => {
  it.each([
    ['0.5', '500m'],
    ['1000m', '1'],
    ['1.5', '1500m'],
    ['2000', '2k'],
    ['1200', '1200'],
    ['1e3', '1e3'],
    ['1.5Gi', '1536Mi'],
    ['0.5Gi', '512Mi'],
    ['0.5Ki', '512'],
    ['1024Mi', '1Gi'],
    ['1.1Ki', '1126400m'],
    ['128974848', '128974848'],
    ['0', '0'],
  ])('%s -> %s', (input, expected) => {
    expect(canonicalQuantity(input)).toBe(expected);
  });

  it('keeps a binary quantity below 1Ki in decimal form, and 1025 stays 1025', () => {
    expect(Quantity.parse('1Ki').sub(Quantity.parse('1023')).toString()).toBe('1');
    expect(Quantity.parse('1Ki').add(Quantity.parse('1')).toString()).toBe('1025');
  });

  it.each([
    ['100m', '100m'],
    ['0.1', '100m'],
    ['1n', '1n'],
    ['1000n', '1u'],
    ['1000000u', '1'],
    ['12M', '12M'],
    ['1E', '1E'],
    ['1e-3', '1e-3'],
    ['1500e-3', '1500e-3'],
    ['10e2', '1e3'],
    ['1.5e3', '1500'],
    ['-1.5', '-1500m'],
    ['-1Gi', '-1Gi'],
    ['2048Ki', '2Mi'],
    ['1.5Ki', '1536'],
    ['0.0000000001', '1n'],
    ['-0.0000000001', '-1n'],
    ['0.000001Ki', '1024u'],
  ])('%s -> %s', (input, expected) => {
    expect(canonicalQuantity(input)).toBe(expected);
  });

  it('reproduces apimachinery serialising already-canonical-looking text as written', () => {
    expect(canonicalQuantity('+1')).toBe('+1');
    expect(canonicalQuantity('01')).toBe('01');
    expect(canonicalQuantity('1.')).toBe('1.');
    expect(canonicalQuantity('1E3')).toBe('1E3');
    expect(canonicalQuantity('1e+3')).toBe('1e+3');
    // but not when the digits end in 000, start with 0 or the scale is not a multiple of 3
    expect(canonicalQuantity('+1000')).toBe('1k');
    expect(canonicalQuantity('+0.5')).toBe('500m');
    expect(canonicalQuantity('+1.5')).toBe('1500m');
    // binary: kept unless the mantissa is a multiple of 8
    expect(canonicalQuantity('+3Ki')).toBe('+3Ki');
    expect(canonicalQuantity('+8Ki')).toBe('8Ki');
  });

  it('reproduces apimachinery printing no suffix beyond E and Ei', () => {
    expect(canonicalQuantity('1000E')).toBe('1');
  });

  it('accepts apimachinery lenient forms', () => {
    expect(canonicalQuantity('.5')).toBe('500m');
    expect(canonicalQuantity('-')).toBe('0');
    expect(canonicalQuantity('00')).toBe('0');
    expect(canonicalQuantity('m')).toBe('0');
  });
});

describe('parsing', () => {
  it('remembers the format of the suffix', () => {
    expect(Quantity.parse('1Gi').format).toBe('BinarySI');
    expect(Quantity.parse('1e3').format).toBe('DecimalExponent');
    expect(Quantity.parse('1E3').format).toBe('DecimalExponent');
    expect(Quantity.parse('1E').format).toBe('DecimalSI');
    expect(Quantity.parse('5m').format).toBe('DecimalSI');
    expect(Quantity.parse('5').format).toBe('DecimalSI');
  });

  it('turns a binary quantity below one unit into DecimalSI', () => {
    expect(Quantity.parse('0.0001Ki').format).toBe('DecimalSI');
    expect(Quantity.parse('0.5Ki').format).toBe('BinarySI');
  });

  it('rounds up to nano precision, away from zero', () => {
    expect(Quantity.parse('1.0000000001').cmp(Quantity.parse('1000000001n'))).toBe(0);
    expect(Quantity.parse('-1.0000000001').cmp(Quantity.parse('-1000000001n'))).toBe(0);
    expect(Quantity.parse('1e-30').cmp(Quantity.parse('1n'))).toBe(0);
  });

  it('caps binary quantities at 2^63-1', () => {
    expect(Quantity.parse('16Ei').cmp(Quantity.parse('9223372036854775807'))).toBe(0);
    expect(Quantity.parse('16E').cmp(Quantity.parse('16000000000000000000'))).toBe(0);
  });

  it.each(['', ' 1', '1 ', 'abc', '1.2.3', '1K', '1ki', '1e', '1e+', '1Mi3', '1e3.5', '1ee3', '--1', '.e-10', '1e99999999999999999999'])(
    'rejects %j',
    (input) => {
      expect(() => Quantity.parse(input)).toThrow(QuantityParseError);
    },
  );

  it('refuses exponents too large to materialise instead of allocating', () => {
    expect(() => Quantity.parse('1e2000000000')).toThrow(QuantityParseError);
  });
});

describe('arithmetic', () => {
  it('keeps the left format on add and sub', () => {
    expect(Quantity.parse('1Gi').add(Quantity.parse('512Mi')).toString()).toBe('1536Mi');
    expect(Quantity.parse('1').add(Quantity.parse('1Ki')).toString()).toBe('1025');
    expect(Quantity.parse('1Gi').sub(Quantity.parse('512Mi')).toString()).toBe('512Mi');
    expect(Quantity.parse('2k').add(Quantity.parse('1Ki')).format).toBe('DecimalSI');
  });

  it('lets a zero take the format of the other operand', () => {
    expect(Quantity.zero().add(Quantity.parse('1Gi')).toString()).toBe('1Gi');
    expect(Quantity.zero().sub(Quantity.parse('1Gi')).toString()).toBe('-1Gi');
    expect(Quantity.parse('0').add(Quantity.parse('2Mi')).format).toBe('BinarySI');
    expect(Quantity.zero().toString()).toBe('0');
  });

  it('drops the written text once the value changes', () => {
    expect(Quantity.parse('+1').add(Quantity.parse('1')).toString()).toBe('2');
    expect(Quantity.parse('+1').neg().toString()).toBe('-1');
  });

  it('neg, sign, isZero, cmp', () => {
    expect(Quantity.parse('500m').neg().toString()).toBe('-500m');
    expect(Quantity.parse('-1').sign()).toBe(-1);
    expect(Quantity.parse('1').sign()).toBe(1);
    expect(Quantity.parse('0Gi').sign()).toBe(0);
    expect(Quantity.parse('0.0').isZero()).toBe(true);
    expect(Quantity.parse('1Ki').cmp(Quantity.parse('1k'))).toBe(1);
    expect(Quantity.parse('1k').cmp(Quantity.parse('1Ki'))).toBe(-1);
    expect(Quantity.parse('1000m').cmp(Quantity.parse('1'))).toBe(0);
  });

  it('fromMilli builds exact values in the given format', () => {
    expect(Quantity.fromMilli(1500n, 'DecimalSI').toString()).toBe('1500m');
    expect(Quantity.fromMilli(2048000n, 'BinarySI').toString()).toBe('2Ki');
    expect(Quantity.fromMilli(500n, 'BinarySI').toString()).toBe('500m');
    expect(Quantity.fromMilli(3000n, 'DecimalExponent').toString()).toBe('3');
  });
});

describe('milli precision', () => {
  it('milliValue rounds up to a whole milli-unit', () => {
    expect(Quantity.parse('1.0001').milliValue()).toBe(1001n);
    expect(Quantity.parse('0.0001').milliValue()).toBe(1n);
    expect(Quantity.parse('1Ki').milliValue()).toBe(1024000n);
    expect(Quantity.parse('-0.0001').milliValue()).toBe(-1n);
    expect(Quantity.parse('0').milliValue()).toBe(0n);
  });

  it('roundUpToMilli rounds the value and re-canonicalises', () => {
    expect(Quantity.parse('0.0001').roundUpToMilli().toString()).toBe('1m');
    expect(Quantity.parse('1.0001').roundUpToMilli().toString()).toBe('1001m');
    expect(Quantity.parse('1u').roundUpToMilli().toString()).toBe('1m');
    expect(Quantity.parse('1.5Gi').roundUpToMilli().toString()).toBe('1536Mi');
    expect(Quantity.parse('+1').roundUpToMilli().toString()).toBe('+1');
  });
});

describe('values and formats apimachinery asserts for ParseQuantity', () => {
  // [input, mantissa, exponent, format]: the parsed value is mantissa × 10^exponent.
  it.each([
    ['0Ki', 0, 0, 'BinarySI'],
    ['50k', 5, 4, 'DecimalSI'],
    ['3Ei', '3458764513820540928', 0, 'BinarySI'],
    ['100.035k', 100035, 0, 'DecimalSI'],
    ['0.0005k', 5, -1, 'DecimalSI'],
    ['0.5e-2', 5, -3, 'DecimalExponent'],
    ['1.3E+6', 13, 5, 'DecimalExponent'],
    ['1.01E', 101, 16, 'DecimalSI'],
    ['3.001n', 4, -9, 'DecimalSI'],
    ['1.1E-9', 2, -9, 'DecimalExponent'],
    ['0.00000012354', 124, -9, 'DecimalSI'],
    ['100.035Ki', 10243584, -2, 'BinarySI'],
    ['0.025Ti', 274877906944, -1, 'BinarySI'],
    ['0.000000000001Ki', 2, -9, 'DecimalSI'],
    ['.0001k', 100, -3, 'DecimalSI'],
    ['1.G', 1, 9, 'DecimalSI'],
    ['-9.01', -901, -2, 'DecimalSI'],
  ] as const)('%s', (input, mantissa, exponent, format) => {
    const q = Quantity.parse(input);
    expect(q.cmp(Quantity.parse(`${mantissa}e${exponent}`))).toBe(0);
    expect(q.format).toBe(format);
  });

  it('saturates binary values at 2^63-1', () => {
    expect(Quantity.parse('9Ei').toString()).toBe('9223372036854775807');
    expect(Quantity.parse('9223372036854775807Ki').toString()).toBe('9223372036854775807');
  });

  it.each(['1.1.M', '1+1.0M', '0.1mi', '0.1am', 'aoeu', '.5i', '1i', '-3.01i', '-3.01e-'])('rejects %s', (input) => {
    expect(() => Quantity.parse(input)).toThrow(QuantityParseError);
  });
});
