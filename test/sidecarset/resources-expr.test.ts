import { describe, expect, it } from 'vitest';
import {
  boundVariableName,
  calculate,
  evaluateResourceExpr,
  MAX_EXPRESSION_LENGTH,
  validateResourceExpr,
  type ExprValue,
} from '../../src/sidecarset/resources-expr.js';
import { Quantity } from '../../src/k8s/quantity.js';

const q = (text: string): ExprValue => ({ kind: 'quantity', value: Quantity.parse(text) });

function calc(expr: string, variables: Record<string, ExprValue> = {}) {
  return calculate(expr, new Map(Object.entries(variables)));
}

/** The raw result as Kruise's Value.String() would show it (numbers as plain JS numbers). */
function shown(expr: string, variables: Record<string, ExprValue> = {}): string | number {
  const outcome = calc(expr, variables);
  if (!outcome.ok) throw new Error(`unexpected error for ${expr}: ${outcome.error}`);
  return outcome.value.kind === 'number' ? outcome.value.value : outcome.value.value.toString();
}

function errorOf(expr: string, variables: Record<string, ExprValue> = {}): string {
  const outcome = calc(expr, variables);
  if (outcome.ok) throw new Error(`expected an error for ${expr}`);
  return outcome.error;
}

function evaluate(expr: string, aggregate: string): string {
  const outcome = evaluateResourceExpr(expr, Quantity.parse(aggregate));
  if (!outcome.ok) throw new Error(outcome.error);
  return outcome.value.toString();
}

describe('injection-time evaluation (Kruise evaluateResourceExpression vectors)', () => {
  it.each([
    ['cpu*50%', '200m', '100m'],
    ['memory*30%', '600Mi', '180Mi'],
    ['max(cpu*50%, 100m)', '150m', '100m'],
    ['max(cpu*50%, 100m)', '400m', '200m'],
    ['cpu + 50m', '100m', '150m'],
    ['max(memory*20% + 100Mi, 200Mi)', '800Mi', '260Mi'],
    ['500m', '100m', '500m'],
    ['1Gi', '500Mi', '1Gi'],
    ['cpu*50%', '0', '0'],
    ['memory*25%', '400Mi', '100Mi'],
    ['1', '2', '1'],
    ['1', '2Mi', '1'],
  ])('%s with aggregate %s → %s', (expr, aggregate, expected) => {
    expect(evaluate(expr, aggregate)).toBe(expected);
  });

  it('rejects an undefined variable', () => {
    const outcome = evaluateResourceExpr('cpu * invalid', Quantity.parse('100m'));
    expect(outcome).toEqual({ ok: false, error: 'failed to parse expression "cpu * invalid": undefined variable: invalid' });
  });

  it('binds a format-less zero when the aggregate request is absent', () => {
    expect(evaluate('cpu*50%', '0')).toBe('0');
    expect(evaluateResourceExpr('cpu + 50m', Quantity.zero())).toMatchObject({ ok: true });
    expect((evaluateResourceExpr('memory + 1Mi', Quantity.zero()) as { value: Quantity }).value.toString()).toBe('1Mi');
  });

  it('turns a plain-number result into cpu milli-units, truncated toward zero', () => {
    expect(evaluate('0.0015', '1')).toBe('1m');
    expect(evaluate('2.5', '1')).toBe('2500m');
  });

  it('turns a plain-number result into whole units when the word memory appears', () => {
    // Only reachable when the word is not evaluated: Kruise's lexer stops at a NUL byte, the word regex does not.
    expect(evaluate('2.9\u0000memory', '1Gi')).toBe('2');
    expect(evaluate('2.9\u0000cpu', '1')).toBe('2900m');
  });

  it('picks the variable by the whole, case-sensitive word memory', () => {
    expect(boundVariableName('memory*2')).toBe('memory');
    expect(boundVariableName('max(memory,1Gi)')).toBe('memory');
    expect(boundVariableName('memoryx*2')).toBe('cpu');
    expect(boundVariableName('MEMORY*2')).toBe('cpu');
    // so an upper-case MEMORY is looked up as the unbound variable "memory"
    expect(evaluateResourceExpr('MEMORY*2', Quantity.parse('1Gi'))).toEqual({
      ok: false,
      error: 'failed to parse expression "MEMORY*2": undefined variable: memory',
    });
    // while the identifier itself is case-insensitive once the word matches
    expect(evaluate('Memory*0 + memory', '1Gi')).toBe('1Gi');
  });

  it('uses cpu for an expression that mentions neither variable, even for memory fields', () => {
    // "1" with a memory aggregate: cpu rules apply (1 → 1000m → "1")
    expect(evaluate('0.5', '2Mi')).toBe('500m');
  });

  it('rejects a negative final result', () => {
    const outcome = evaluateResourceExpr('cpu - 100m', Quantity.parse('50m'));
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error).toContain('calculation result is negative: -50m');
  });

  it('rejects quantity products and divisions by a quantity that validation accepted', () => {
    expect(validateResourceExpr('cpu * cpu', 'cpu')).toBeUndefined();
    expect(validateResourceExpr('cpu / cpu', 'cpu')).toBeUndefined();
    expect(evaluateResourceExpr('cpu * cpu', Quantity.parse('1')).ok).toBe(false);
    expect(evaluateResourceExpr('cpu / cpu', Quantity.parse('1')).ok).toBe(false);
  });
});

describe('calculator (Kruise calculator_test vectors)', () => {
  it.each([
    ['2 + 3', 5],
    ['10 - 4', 6],
    ['3 * 4', 12],
    ['15 / 3', 5],
    ['(2 + 3) * 4', 20],
    ['50%', 0.5],
    ['100.5%', 1.005],
    ['100% * 2', 2],
    ['max(10, 20)', 20],
    ['min(10, 20)', 10],
    ['1e2', 100],
    ['1E2', 100],
    ['min(max(max(max(0.5,0.5*0.5),0.5-1.0),0.5-1.0),3.0)', 0.5],
    ['2+3+4/2', 7],
    ['2   +   3', 5],
    ['2\t+\t3', 5],
    ['2\n+\n3', 5],
    ['  2  \t  +  \n  3  ', 5],
    ['max(  10  ,  20  )', 20],
    ['( 2 + 3 ) * 4', 20],
    ['max(min(max(10, 20), 15), 25)', 25],
    ['max(10 + 5, 20 - 5) * 2', 30],
    ['10+-5', 5],
    ['10--5', 15],
    ['10 + -5', 5],
    ['10 - -5', 15],
    ['20+-10+5', 15],
    ['1e3', 1000],
    ['1E3', 1000],
    ['1e+3', 1000],
    ['1e-3', 0.001],
    ['1E+3', 1000],
    ['1E-3', 0.001],
    ['1.5e2', 150],
    ['2.5E+1', 25],
    ['1e3 + 2e2', 1200],
    ['1e3+-200', 800],
    ['20 - 10', 10],
    ['10 - 10', 0],
    ['.5 + .5', 1],
    ['1.5+2', 3.5],
    ['1e3 + 500', 1500],
    ['1.5e2 * 2', 300],
    ['999999999999999999 + 1', 1e18],
    ['0.000000000000000001 + 0.000000000000000002', 0.000000000000000001 + 0.000000000000000002],
  ])('%j = %d', (expr, expected) => {
    expect(shown(expr)).toBe(expected);
  });

  it.each([
    ['40m + 20m', '60m'],
    ['100Mi - 50Mi', '50Mi'],
    ['2 * 40m', '80m'],
    ['100m / 2', '50m'],
    ['100m', '100m'],
    ['max(40m, 20)', '20'],
    ['min(40m, 20m)', '20m'],
    ['min(max(max(max(500m,0.5*0.5),0.5-1.0),0.5-1.0),3.0)', '500m'],
    ['0m + 0m', '0'],
    ['1000Gi + 500Gi', '1500Gi'],
    ['1.5Gi * 2', '3Gi'],
    ['1Gi + 100Mi', '1124Mi'],
    ['max(100m, 100m)', '100m'],
    ['min(100m, 100m)', '100m'],
    ['(100m + 50m) * 2 - 50m', '250m'],
    ['max(100m * 50%, 30m)', '50m'],
    ['max(100m, min(200m, 150m)) + 50m', '200m'],
    ['100m+50m', '150m'],
    ['200m * 50%', '100m'],
    ['1k', '1k'],
    ['100M', '100M'],
    ['1G', '1G'],
    ['1T', '1T'],
    ['1P', '1P'],
    ['1Ki', '1Ki'],
    ['100Mi', '100Mi'],
    ['1Ti', '1Ti'],
    ['1Pi', '1Pi'],
    ['.5Mi', '512Ki'],
    ['max(1e3, 100m)', '1k'],
  ])('%j = %s', (expr, expected) => {
    expect(shown(expr)).toBe(expected);
  });

  it.each([
    ['cpu', { cpu: q('100m') }, '100m'],
    ['cpu * 2', { cpu: q('50m') }, '100m'],
    ['max(cpu, 200m)', { cpu: q('100m') }, '200m'],
    ['min(max(max(max(0.5,0.5*cpu),cpu-1.0),cpu-1.0),3.0)', { cpu: q('0.5') }, '500m'],
    ['max(0.25, cpu)', { cpu: q('100m') }, '250m'],
    ['max(cpu, 0.75)', { cpu: q('500m') }, '750m'],
    ['min(0.8, cpu)', { cpu: q('1.0') }, '800m'],
    ['min(cpu, 1.5)', { cpu: q('2.0') }, '1500m'],
    ['max(min(2*cpu,-cpu+3.0),2*cpu-3.0)', { cpu: q('1.5') }, '1500m'],
    ['max(min(2*cpu,3.0-cpu),2*cpu-3.0)', { cpu: q('1.5') }, '1500m'],
    ['memory + 100Mi', { memory: q('200Mi') }, '300Mi'],
    ['0.5 * memory + max(0, memory-2Gi)', { memory: q('8Gi') }, '10Gi'],
    ['max(cpu * 50%, 50m)', { cpu: q('200m') }, '100m'],
    ['(cpu1 + cpu2) * 50%', { cpu1: q('200m'), cpu2: q('400m') }, '300m'],
    ['max(cpu1, cpu2) * 50%', { cpu1: q('200m'), cpu2: q('400m') }, '200m'],
  ])('%j with variables → %s', (expr, variables, expected) => {
    expect(shown(expr, variables)).toBe(expected);
  });

  it.each([
    ['5..5'],
    ['5%%'],
    ['10 / 0'],
    ['unknown(1, 2)'],
    ['40m * 2m'],
    ['2 / 40m'],
    ['-10'],
    ['-100m'],
    ['10 - 20'],
    ['50m - 100m'],
    [''],
    ['   '],
    ['2 + @'],
    ['(2 + 3'],
    ['()'],
    ['max()'],
    ['max(10)'],
    ['max(10, 20, 30)'],
    ['max(10, 20 / 0)'],
    ['max(10, unknown(20, 30))'],
    ['1e3e2'],
    ['1eKi'],
    ['undefined_var'],
  ])('%j is an error', (expr) => {
    expect(calc(expr).ok).toBe(false);
  });

  it('reports the documented error messages', () => {
    expect(errorOf('10 / 0')).toBe('division by zero');
    expect(errorOf('1m / 0')).toBe('division by zero');
    expect(errorOf('40m * 2m')).toBe('multiplication of two quantities');
    expect(errorOf('2 / 40m')).toBe('division by quantity');
    expect(errorOf('-10')).toBe('calculation result is negative: -10');
    expect(errorOf('-100m')).toBe('calculation result is negative: -100m');
    expect(errorOf('-1e7')).toBe('calculation result is negative: -1e+07');
    expect(errorOf('unknown(1, 2)')).toBe('unknown function: unknown');
    expect(errorOf('MAX(1)')).toBe('max function requires exactly 2 arguments, got 1');
    expect(errorOf('undefined_var')).toBe('undefined variable: undefined_var');
    expect(errorOf('Foo')).toBe('undefined variable: foo');
    expect(errorOf('2 + @')).toBe('parse error: syntax error at line 1, col 6');
    expect(errorOf('(2 +\n3')).toBe('parse error: syntax error at line 2, col 2');
  });

  it('lets the last semantic error win over a later syntax error', () => {
    expect(errorOf('1/0 )')).toBe('division by zero');
    expect(errorOf('foo + bar')).toBe('undefined variable: bar');
    expect(errorOf('max(10, 20 / 0)')).toBe('division by zero');
    expect(errorOf('max(10, unknown(20, 30))')).toBe('unknown function: unknown');
  });

  it('parses malformed number text silently as 0', () => {
    expect(shown('1e')).toBe(0);
    expect(shown('1e+')).toBe(0);
    expect(shown('5x + 1')).toBe(1);
    expect(shown('.')).toBe(0);
    expect(shown('5n')).toBe(0); // n is not a unit the lexer accepts
    expect(shown('50%Mi + 2')).toBe(2);
    expect(shown('1e400')).toBe(Infinity); // Go's ParseFloat overflow keeps +Inf…
    expect(shown('1e400%')).toBe(0); // …but the percent path drops it
  });

  it('treats a quantity parse failure as an error', () => {
    expect(calc('1e3m').ok).toBe(false);
  });

  it('keeps the left operand format on addition, unless the left is zero', () => {
    expect(shown('1Gi + 512Mi')).toBe('1536Mi');
    expect(shown('1 + 1Ki')).toBe('1025');
    expect(shown('0 + 1Ki')).toBe('1Ki');
    expect(shown('1Ki + 1')).toBe('1025');
    expect(shown('2Ki - 1Ki')).toBe('1Ki');
  });

  it('resolves max/min ties to the left operand, itself', () => {
    expect(shown('max(1Ki, 1024)')).toBe('1Ki');
    expect(shown('max(1024, 1Ki)')).toBe('1024');
    expect(shown('min(1Ki, 1024)')).toBe('1Ki');
    expect(shown('min(1024, 1Ki)')).toBe('1024');
  });

  it('truncates Quantity × Number toward zero on the milli-value', () => {
    expect(shown('10m * 0.55')).toBe('5m');
    expect(shown('10m / 3')).toBe('3m');
    expect(shown('1 * 1m / 3')).toBe('0');
  });

  it('binds * and / tighter than + and -, left-associative', () => {
    expect(shown('2 + 3 * 4')).toBe(14);
    expect(shown('8 / 4 / 2')).toBe(1);
    expect(shown('10 - 4 - 3')).toBe(3);
    expect(shown('-2 * 3 + 7')).toBe(1);
    expect(shown('--2')).toBe(2);
  });

  it('rejects function calls other than max/min and values other than the bound variable', () => {
    expect(errorOf('sum(1, 2)')).toBe('unknown function: sum');
    expect(errorOf('cpu(1)', { cpu: q('1') })).toBe('unknown function: cpu');
    expect(errorOf('memory', { cpu: q('1') })).toBe('undefined variable: memory');
  });

  it('classifies bytes as Kruise does: Latin-1 view of UTF-8', () => {
    // A multi-byte character is not whitespace: U+2003 (EM SPACE) breaks the parse.
    expect(calc('1\u2003+ 1').ok).toBe(false);
    // NUL ends the input.
    expect(shown('2\u0000 garbage')).toBe(2);
  });
});

describe('validation (variable bound to the number 1)', () => {
  it.each([
    ['max(cpu*50%, 50m)', 'cpu'],
    ['cpu*50%', 'cpu'],
    ['0.5*cpu - 0.3*max(0, cpu-4) + 0.3*max(0, cpu-8)', 'cpu'],
    ['max(memory*50%, 100Mi)', 'memory'],
    ['100Mi', 'memory'],
    ['', 'cpu'],
  ] as const)('%j is valid for %s', (expr, resource) => {
    expect(validateResourceExpr(expr, resource)).toBeUndefined();
  });

  it.each([
    ['invalid expression @#$', 'cpu'],
    ['max(cpu*50%, 50m', 'cpu'],
    ['max(cpu*50%)', 'cpu'],
    ['invalidvar * 50%', 'cpu'],
    ['invalid_cpu_expr', 'cpu'],
    ['bad_memory_expr', 'memory'],
    ['memory*50%', 'cpu'],
    ['cpu*50%', 'memory'],
    ['cpu - 2', 'cpu'],
  ] as const)('%j is invalid for %s', (expr, resource) => {
    expect(validateResourceExpr(expr, resource)).toMatch(/^invalid expression: /);
  });

  it('accepts MEMORY in a memory field although injection will not bind it', () => {
    expect(validateResourceExpr('MEMORY*50%', 'memory')).toBeUndefined();
  });
});

describe('hostile input', () => {
  it('refuses overlong expressions', () => {
    const long = '1+'.repeat(MAX_EXPRESSION_LENGTH) + '1';
    expect(calc(long)).toEqual({ ok: false, error: `expression longer than ${MAX_EXPRESSION_LENGTH} characters` });
  });

  it('refuses deep nesting without exhausting the stack', () => {
    for (const expr of ['('.repeat(400) + '1' + ')'.repeat(400), '-'.repeat(900) + '1', 'max('.repeat(150) + '1']) {
      const outcome = calc(expr);
      expect(outcome.ok).toBe(false);
    }
    expect(shown('('.repeat(50) + '1' + ')'.repeat(50))).toBe(1);
  });

  it('finishes quickly on long flat input', () => {
    const start = performance.now();
    calc('1*'.repeat(499) + '1');
    calc('max(1,'.repeat(100));
    expect(performance.now() - start).toBeLessThan(500);
  });

  it('never throws on arbitrary text', () => {
    for (const expr of ['\u00ff\u00fe', '\ud800', '1e3e', '%', ')(', ',', '1,2', '0x10', '1_000']) {
      expect(() => calc(expr)).not.toThrow();
    }
  });
});
