import { describe, expect, it } from 'vitest';
import { formatNumber, formatUsd, formatValue } from '../../src/format/numbers';
import { formatRows } from '../../src/format/tables';
import { renderRunReportMarkdown } from '../../src/pipeline/run-report';

describe('numbers for people', () => {
  it('gives fractions two decimals and every number thousands separators', () => {
    expect(formatNumber(23.34194968553459)).toBe('23.34');
    expect(formatNumber(1234567.891)).toBe('1,234,567.89');
    expect(formatNumber(19394)).toBe('19,394');
    expect(formatNumber(-0.005)).toBe('-0.01');
    expect(formatNumber(Number.NaN)).toBe('NaN');
  });

  it('formats query values by their JS type and leaves text and decimals-as-text alone', () => {
    expect(formatValue(12345678901234567890n)).toBe('12,345,678,901,234,567,890');
    expect(formatValue('2026-11-21')).toBe('2026-11-21');
    expect(formatValue('12.50')).toBe('12.50');
    expect(formatValue(null)).toBe('');
    expect(formatValue(true)).toBe('true');
  });

  it('gives every number of a column with fractions two decimals, so a column lines up', () => {
    expect(formatRows(['latitude', 'faulty_count'], [{ latitude: -33.9, faulty_count: 156 }, { latitude: 30, faulty_count: 82 }]))
      .toEqual([['-33.90', '156'], ['30.00', '82']]);
  });

  it('shows a cost under a cent with four decimals so it does not read as zero', () => {
    expect(formatUsd(0.0031234)).toBe('$0.0031');
    expect(formatUsd(0.26)).toBe('$0.26');
    expect(formatUsd(1234.5)).toBe('$1,234.50');
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatUsd(0.0000477)).toBe('< $0.0001');
  });

  it('writes the KPI tables of the Markdown run report with rounded averages', () => {
    const markdown = renderRunReportMarkdown({
      target: 'local',
      startedAt: '2026-11-24T10:00:00.000Z',
      durationMs: 60_000,
      outcome: 'succeeded',
      stages: [],
      peakMemoryBytes: {},
      stack: { startedByRun: true, stoppedAtEnd: true },
      tables: [{
        table: 'temp_humidity_kpis',
        rowCount: 1200,
        columns: ['day', 'avg_temp', 'max_temp'],
        rows: [{ day: '2026-11-21', avg_temp: 23.34194968553459, max_temp: 41 }],
      }],
    });
    expect(markdown).toContain('| 2026-11-21 | 23.34 | 41 |');
    expect(markdown).toContain('temp_humidity_kpis (1,200 rows)');
    expect(markdown).not.toContain('23.3419');
  });
});
