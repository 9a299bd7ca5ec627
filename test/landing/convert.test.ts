import { describe, expect, it } from 'vitest';
import { convertRecord } from '../../src/landing/convert';
import { duckdbColumns } from '../../src/landing/parquet';

// The matrix is src/landing/convert.ts's doc comment, which names the source of every case.
const event = { sensor_id: 7, temperature: 21.5, humidity: 40, location: { latitude: 1.3, longitude: 103.8 }, status: 'ok', event_type: 'sensor_reading', timestamp: 1793491200, uuid: 'u1' };
const convert = (value: unknown) => convertRecord(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)));
const row = (value: unknown) => {
  const result = convert(value);
  if (!result.ok) throw new Error(`expected a row, got ${result.errorCode}: ${result.errorMessage}`);
  return result.row;
};

describe('convertRecord, as the OpenX JSON SerDe converts', () => {
  it('keeps the schema fields in schema order and ignores others, dotted keys included', () => {
    const result = row({ 'extra': 1, ...event, 'location.latitude': 9, 'location': { longitude: 103.8, latitude: 1.3, altitude: 5 } });
    expect(result).toEqual(event);
    expect(Object.keys(result)).toEqual(Object.keys(event));
  });

  it('matches keys whatever their case, at every depth, an exact match first', () => {
    expect(row({ SENSOR_ID: 7, Temperature: 21.5, humidity: 40, LOCATION: { Latitude: 1.3, LONGITUDE: 103.8 }, Status: 'ok', event_type: 'sensor_reading', TimeStamp: 1793491200, UUID: 'u1' })).toEqual(event);
    expect(row({ ...event, UUID: 'upper', uuid: 'exact' }).uuid).toBe('exact');
  });

  it('lands a missing key or a null as NULL, and a struct member likewise', () => {
    const { uuid: _, ...noUuid } = event;
    expect(row(noUuid).uuid).toBeNull();
    expect(row({ ...event, status: null }).status).toBeNull();
    expect(row({ ...event, location: null }).location).toBeNull();
    expect(row({ ...event, location: { latitude: 1.3 } }).location).toEqual({ latitude: 1.3, longitude: null });
    expect(row({ ...event, location: {} }).location).toEqual({ latitude: null, longitude: null });
    expect(row({})).toEqual(Object.fromEntries(Object.keys(event).map((k) => [k, null])));
  });

  it('fills a struct from an array by position', () => {
    expect(row({ ...event, location: [1.3, 103.8] }).location).toEqual({ latitude: 1.3, longitude: 103.8 });
    expect(row({ ...event, location: [1.3] }).location).toEqual({ latitude: 1.3, longitude: null });
  });

  it('reads numeric strings into numeric columns, trimmed', () => {
    expect(row({ ...event, sensor_id: '12', temperature: ' 21.5 ', humidity: '4e1', timestamp: '1793491200' }))
      .toMatchObject({ sensor_id: 12, temperature: 21.5, humidity: 40, timestamp: 1793491200 });
    expect(row({ ...event, location: { latitude: '-1.3', longitude: '.5' } }).location).toEqual({ latitude: -1.3, longitude: 0.5 });
  });

  it('lands a number, a boolean, an object or an array in a text column as its JSON text', () => {
    expect(row({ ...event, status: 3, event_type: true, uuid: { id: 1 } })).toMatchObject({ status: '3', event_type: 'true', uuid: '{"id":1}' });
    expect(row({ ...event, status: [1, 'a'] }).status).toBe('[1,"a"]');
  });

  it('lands values outside the valid ranges and leaves them to the validity rules', () => {
    const outOfRange = { temperature: 999, humidity: -3, sensor_id: 0, timestamp: -1 };
    expect(row({ ...event, ...outOfRange })).toMatchObject(outOfRange);
    expect(row({ ...event, sensor_id: 2 ** 31 - 1, timestamp: 2 ** 53 })).toMatchObject({ sensor_id: 2 ** 31 - 1, timestamp: 2 ** 53 });
  });

  it.each([
    [{ ...event, sensor_id: 7.5 }, /^field sensor_id: expected int, got fractional number 7.5/],
    [{ ...event, sensor_id: 2 ** 31 }, /^field sensor_id: expected int, got number 2147483648/],
    [{ ...event, sensor_id: -(2 ** 31) - 1 }, /^field sensor_id: expected int/],
    [{ ...event, timestamp: 2 ** 63 }, /^field timestamp: expected bigint/],
    [{ ...event, sensor_id: '7.5' }, /^field sensor_id: expected int, got string "7.5"/],
    [{ ...event, sensor_id: 'sensor-7' }, /^field sensor_id: expected int, got string "sensor-7"/],
    [{ ...event, sensor_id: '' }, /^field sensor_id: expected int, got string ""/],
    [{ ...event, timestamp: '2026-11-01T00:00:00.000Z' }, /^field timestamp: expected bigint, got string/],
    [{ ...event, temperature: '21.5C' }, /^field temperature: expected double, got string "21.5C"/],
    [{ ...event, temperature: 'NaN' }, /^field temperature: expected double, got string "NaN"/],
    [{ ...event, temperature: 'Infinity' }, /^field temperature: expected double/],
    [{ ...event, temperature: '1e999' }, /^field temperature: expected double/],
    [{ ...event, humidity: true }, /^field humidity: expected double, got boolean true/],
    [{ ...event, humidity: [40] }, /^field humidity: expected double, got array \[40\]/],
    [{ ...event, sensor_id: { id: 7 } }, /^field sensor_id: expected int, got object/],
    [{ ...event, location: { latitude: 'north', longitude: 103.8 } }, /^field location.latitude: expected double, got string "north"/],
    [{ ...event, location: [1.3, 'east'] }, /^field location.longitude: expected double/],
    [{ ...event, location: '1.3,103.8' }, /^field location: expected struct, got string/],
    [{ ...event, location: 5 }, /^field location: expected struct, got number/],
  ])('sends %j to errors/ as MalformedData, saying why', (value, reason) => {
    const result = convert(value);
    expect(result).toMatchObject({ ok: false, errorCode: 'DataFormatConversion.MalformedData' });
    expect((result as { errorMessage: string }).errorMessage).toMatch(reason);
  });

  it('sends a number past the double range to errors/', () => {
    expect(convert('{"temperature": 1e999}')).toMatchObject({ ok: false, errorMessage: expect.stringMatching(/^field temperature: expected double/) as unknown });
  });

  it.each([
    ['[1, 2]', /^not a JSON object: array/],
    ['42', /^not a JSON object: number/],
    ['null', /^not a JSON object: null/],
  ])('sends JSON that is not an object, %s, to errors/ as MalformedData', (text, reason) => {
    expect(convert(text)).toMatchObject({ ok: false, errorCode: 'DataFormatConversion.MalformedData', errorMessage: expect.stringMatching(reason) as unknown });
  });

  it('sends bytes that are not JSON, or not UTF-8, to errors/ as ParseError', () => {
    expect(convert('{"sensor_id": 7')).toMatchObject({ ok: false, errorCode: 'DataFormatConversion.ParseError', errorMessage: expect.stringMatching(/^not valid JSON/) as unknown });
    expect(convertRecord(Buffer.from([0x7b, 0xff, 0x7d]))).toMatchObject({ ok: false, errorCode: 'DataFormatConversion.ParseError' });
  });

  it('derives the Parquet columns from the event schema', () => {
    expect(duckdbColumns()).toBe(
      "{sensor_id: 'INTEGER', temperature: 'DOUBLE', humidity: 'DOUBLE', location: 'STRUCT(latitude DOUBLE, longitude DOUBLE)', " +
      "status: 'VARCHAR', event_type: 'VARCHAR', timestamp: 'BIGINT', uuid: 'VARCHAR'}",
    );
  });
});
