import { describe, expect, it } from 'vitest';
import { convertRecord } from '../../src/landing/convert';
import { duckdbColumns } from '../../src/landing/parquet';

const event = { sensor_id: 7, temperature: 21.5, humidity: 40, location: { latitude: 1.3, longitude: 103.8 }, status: 'ok', event_type: 'sensor_reading', timestamp: 1793491200, uuid: 'u1' };
const convert = (value: unknown) => convertRecord(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)));

describe('convertRecord', () => {
  it('keeps the schema fields in schema order and ignores others, as Firehose does', () => {
    const result = convert({ extra: 1, ...event, location: { longitude: 103.8, latitude: 1.3, altitude: 5 } });
    expect(result).toEqual({ ok: true, row: event });
    expect(Object.keys((result as { row: object }).row)).toEqual(Object.keys(event));
  });

  it('lands out-of-range values and leaves their exclusion to Spark', () => {
    expect(convert({ ...event, temperature: 999, humidity: -3 }).ok).toBe(true);
  });

  it.each([
    ['{"sensor_id": 7', /^not valid JSON/],
    ['[1, 2]', /^not a JSON object: array/],
    [{ ...event, uuid: undefined }, /^missing field uuid$/],
    [{ ...event, location: { latitude: 1.3 } }, /^missing field location.longitude$/],
    [{ ...event, status: null }, /^field status: expected string, got null/],
    [{ ...event, sensor_id: 7.5 }, /^field sensor_id: expected int, got fractional number 7.5/],
    [{ ...event, sensor_id: 2 ** 31 }, /^field sensor_id: expected int/],
    [{ ...event, temperature: '21.5' }, /^field temperature: expected double, got string "21.5"/],
    [{ ...event, location: '1.3,103.8' }, /^field location: expected struct/],
  ])('rejects %j with a reason', (value, reason) => {
    const result = convert(value);
    expect(result).toMatchObject({ ok: false, errorCode: 'DataFormatConversion.MalformedData' });
    expect((result as { errorMessage: string }).errorMessage).toMatch(reason);
  });

  it('rejects bytes that are not UTF-8', () => {
    expect(convertRecord(Buffer.from([0x7b, 0xff, 0x7d])).ok).toBe(false);
  });

  it('derives the Parquet columns from the event schema', () => {
    expect(duckdbColumns()).toBe(
      "{sensor_id: 'INTEGER', temperature: 'DOUBLE', humidity: 'DOUBLE', location: 'STRUCT(latitude DOUBLE, longitude DOUBLE)', " +
      "status: 'VARCHAR', event_type: 'VARCHAR', timestamp: 'BIGINT', uuid: 'VARCHAR'}",
    );
  });
});
