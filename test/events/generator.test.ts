import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UNCONVERTIBLE_KINDS } from '../../src/events/anomalies';
import { SITES } from '../../src/events/fleet';
import { generateJsonl, generateRecords } from '../../src/events/generator';
import { checkEventLine, readJsonLines } from '../../src/events/jsonl';
import { SAMPLE_FILE, SAMPLE_OPTIONS, writeEventsFile } from '../../src/events/sample/sample';
import { FAULTY_STATUS, SensorEvent } from '../../src/events/schema';
import { convertRecord } from '../../src/landing/convert';

describe('generator', () => {
  it('gives identical bytes for the same seed and options, different bytes for another seed', () => {
    const options = { count: 3000, seed: 99, duplicateRate: 0.05, malformedRate: 0.05 };
    expect(generateJsonl(options)).toBe(generateJsonl({ ...options }));
    expect(generateJsonl({ ...options, seed: 100 })).not.toBe(generateJsonl(options));
  });

  it('recreates the committed sample byte for byte', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sample-'));
    const file = path.join(dir, 'sensor-events.jsonl.gz');
    writeEventsFile(file, SAMPLE_OPTIONS);
    expect(fs.readFileSync(file).equals(fs.readFileSync(SAMPLE_FILE))).toBe(true);
  });

  it('reads the committed sample: a few thousand events, mostly valid', async () => {
    let lines = 0;
    let valid = 0;
    for await (const line of readJsonLines(SAMPLE_FILE)) {
      lines++;
      if (checkEventLine(line.text).ok) valid++;
    }
    expect(lines).toBe(SAMPLE_OPTIONS.count);
    expect(valid / lines).toBeGreaterThan(0.98);
  });

  it('produces realistic events: fixed one-decimal sites, daily cycles, faulty sensors, several event types', () => {
    const events: SensorEvent[] = [...generateRecords({ count: 20_000, days: 2, sensors: 40 })].map((r) => r.event);
    const start = Date.UTC(2026, 10, 1) / 1000;
    const oneDecimal = (x: number) => Math.round(x * 10) / 10 === x;
    const wrong = events.filter((e) => !checkEventLine(JSON.stringify(e)).ok || e.timestamp < start || e.timestamp >= start + 2 * 86_400
      || !oneDecimal(e.location.latitude) || !oneDecimal(e.location.longitude));
    expect(wrong).toEqual([]);
    const timestamps = events.map((e) => e.timestamp);
    expect(timestamps).toEqual([...timestamps].sort((a, b) => a - b));
    // Each sensor stays where it is installed.
    const placeOf = new Map<number, string>();
    const moved = events.filter((e) => {
      const place = `${e.location.latitude},${e.location.longitude}`;
      const before = placeOf.get(e.sensor_id) ?? place;
      placeOf.set(e.sensor_id, place);
      return before !== place;
    });
    expect(moved).toEqual([]);
    expect(new Set(placeOf.values()).size).toBe(SITES.length);
    // Berlin: afternoons warmer and drier than nights.
    const berlin = events.filter((e) => e.location.latitude === 52.5);
    const hour = (e: SensorEvent) => new Date(e.timestamp * 1000).getUTCHours();
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const afternoon = berlin.filter((e) => hour(e) >= 12 && hour(e) < 16);
    const night = berlin.filter((e) => hour(e) < 4);
    expect(mean(afternoon.map((e) => e.temperature)) - mean(night.map((e) => e.temperature))).toBeGreaterThan(5);
    expect(mean(afternoon.map((e) => e.humidity))).toBeLessThan(mean(night.map((e) => e.humidity)));
    const faultySensors = new Set(events.filter((e) => e.status === FAULTY_STATUS).map((e) => e.sensor_id));
    expect(faultySensors.size).toBe(4);
    // The seed's vocabulary: statuses active, inactive, faulty; event types sensor_reading and alert (and heartbeat).
    expect([...new Set(events.map((e) => e.status))].sort()).toEqual(['active', 'faulty', 'inactive']);
    expect([...new Set(events.map((e) => e.event_type))].sort()).toEqual(['alert', 'heartbeat', 'sensor_reading']);
    expect(new Set(events.map((e) => e.uuid)).size).toBe(events.length);
  });

  it('mixes in duplicates and malformed records at the configured rates, each broken the way its kind says', () => {
    const records = [...generateRecords({ count: 20_000, seed: 4, duplicateRate: 0.1, malformedRate: 0.05 })];
    const count = (kind: string) => records.filter((r) => r.kind === kind).length;
    expect(count('duplicate') / records.length).toBeCloseTo(0.1, 1);
    expect((records.length - count('event') - count('duplicate')) / records.length).toBeCloseTo(0.05, 1);
    const seen = new Set<string>();
    const wrong = records.filter((r) => {
      if (r.kind === 'event') {
        seen.add(r.line);
        return !checkEventLine(r.line).ok;
      }
      if (r.kind === 'duplicate') return !seen.has(r.line);
      return checkEventLine(r.line).ok || convertRecord(Buffer.from(r.line)).ok === UNCONVERTIBLE_KINDS.includes(r.kind);
    });
    expect(wrong).toEqual([]);
    for (const kind of ['invalid_json', 'missing_field', 'wrong_type', 'out_of_range']) expect(count(kind)).toBeGreaterThan(100);
  });

  it('rejects options that cannot work, naming them', () => {
    expect(() => generateJsonl({ count: -1 })).toThrow(/count must not be negative/);
    expect(() => generateJsonl({ count: 10, duplicateRate: 0.7, malformedRate: 0.5 })).toThrow(/duplicateRate \+ malformedRate/);
    expect(() => generateJsonl({ count: 10, start: 'yesterday' })).toThrow(/start must be an ISO date/);
  });
});
