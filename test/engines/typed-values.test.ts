import { describe, expect, it } from 'vitest';
import { baseType, parseJsonKeepingIntegers, toTypedValue } from '../../src/engines/typed-values';

describe('typed values', () => {
  it('keeps integers beyond the safe range exact and leaves everything else as JSON.parse reads it', () => {
    const text = '[9223372036854775807,-9007199254740993,9007199254740991,0.12345678901234567,1.0E16,12345678901234567e2,"9007199254740993 \\" 9007199254740993"]';

    expect(parseJsonKeepingIntegers(text)).toEqual([
      '9223372036854775807', '-9007199254740993', 9007199254740991, 0.12345678901234567, 1e16, 12345678901234567e2, '9007199254740993 " 9007199254740993',
    ]);
    expect(toTypedValue('bigint', '9223372036854775807')).toBe(9223372036854775807n);
    expect(toTypedValue('bigint', '-42')).toBe(-42);
  });

  it('names types in Trino vocabulary whichever engine reported them', () => {
    expect(['INT', 'float', 'string', 'decimal(38,6)', 'timestamp(3) with time zone', 'row(a integer, b varchar(3))', 'map(varchar, array(integer))'].map(baseType))
      .toEqual(['integer', 'real', 'varchar', 'decimal', 'timestamp with time zone', 'row', 'map']);
  });

  it('refuses values that do not fit the column type instead of guessing', () => {
    expect(() => toTypedValue('integer', '1.5')).toThrow('Cannot read "1.5" as integer.');
    expect(() => toTypedValue('double', 'abc')).toThrow('Cannot read "abc" as double.');
    expect(() => toTypedValue('boolean', 'yes')).toThrow('Cannot read "yes" as boolean.');
  });
});
