import { Random } from './random';

/** Where a group of sensors is installed; one-decimal coordinates so geo KPIs group by site. */
export interface Site {
  readonly name: string;
  readonly latitude: number;
  readonly longitude: number;
  /** Daily mean temperature, degrees Celsius. */
  readonly meanTemperature: number;
  /** Daily mean relative humidity, percent. */
  readonly meanHumidity: number;
}

export const SITES: readonly Site[] = [
  { name: 'Berlin', latitude: 52.5, longitude: 13.4, meanTemperature: 9, meanHumidity: 74 },
  { name: 'Oslo', latitude: 59.9, longitude: 10.8, meanTemperature: 3, meanHumidity: 80 },
  { name: 'Madrid', latitude: 40.4, longitude: -3.7, meanTemperature: 14, meanHumidity: 58 },
  { name: 'Cairo', latitude: 30.0, longitude: 31.2, meanTemperature: 24, meanHumidity: 45 },
  { name: 'Nairobi', latitude: -1.3, longitude: 36.8, meanTemperature: 19, meanHumidity: 65 },
  { name: 'Mumbai', latitude: 19.1, longitude: 72.9, meanTemperature: 28, meanHumidity: 70 },
  { name: 'Singapore', latitude: 1.3, longitude: 103.8, meanTemperature: 28, meanHumidity: 84 },
  { name: 'Sydney', latitude: -33.9, longitude: 151.2, meanTemperature: 21, meanHumidity: 66 },
  { name: 'Sao Paulo', latitude: -23.6, longitude: -46.6, meanTemperature: 22, meanHumidity: 76 },
  { name: 'Chicago', latitude: 41.9, longitude: -87.6, meanTemperature: 6, meanHumidity: 68 },
  { name: 'Toronto', latitude: 43.7, longitude: -79.4, meanTemperature: 4, meanHumidity: 72 },
  { name: 'Anchorage', latitude: 61.2, longitude: -149.9, meanTemperature: -6, meanHumidity: 75 },
];

/** One installed sensor. */
export interface Sensor {
  readonly id: number;
  readonly site: Site;
  /** Sensors that report `faulty` on a share of their readings. */
  readonly flaky: boolean;
  /** A per-sensor calibration offset, so sensors at one site differ a little. */
  readonly offset: number;
}

/** First sensor id; ids are dense from here. */
export const FIRST_SENSOR_ID = 1001;

export function buildFleet(size: number, flakyShare: number, random: Random): Sensor[] {
  const flakyCount = Math.round(size * flakyShare);
  const sensors: Sensor[] = [];
  for (let i = 0; i < size; i++) {
    sensors.push({ id: FIRST_SENSOR_ID + i, site: SITES[i % SITES.length], flaky: false, offset: random.normal() * 0.7 });
  }
  // Choose the flaky ones by a seeded shuffle so they spread over sites.
  const order = sensors.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const flaky = new Set(order.slice(0, flakyCount));
  return sensors.map((s, i) => (flaky.has(i) ? { ...s, flaky: true } : s));
}
