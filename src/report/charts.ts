import type { TopLevelSpec } from 'vega-lite';
import type { KpiChartData } from './kpi-data';
import type { RunCost } from '../cost/run-cost';
import { formatBytes, formatDuration } from '../format/numbers';
import type { RunReport } from '../pipeline/run-report';

/** One figure of the HTML report: an id the tests and links use, a caption, and its Vega-Lite spec. */
export interface Chart {
  readonly id: string;
  readonly title: string;
  readonly caption: string;
  readonly spec: TopLevelSpec;
}

/** A day of a multi-day run (clickstream simulate): what the KPI jobs read and how long they took. */
export interface DayRow {
  readonly day: string;
  readonly bytesRead: number;
  readonly kpiSeconds: number;
}

/** Width of the charts that share a row, and of those that have a section to themselves. */
const WIDTH = 440;
const WIDE = 640;
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const config = {
  font: FONT,
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 11, gridColor: '#e8e8ee' },
  legend: { labelFontSize: 11, titleFontSize: 11 },
};
const STATUS_COLORS = { succeeded: '#2f9e44', failed: '#e03131', stopped: '#f08c00', skipped: '#adb5bd' };

/**
 * The stages as a timeline: one bar per stage from its start to its end, labelled with duration and
 * peak memory. A stage is placed at its recorded start, so stages that overlapped (the local replay
 * and landing) are drawn overlapping; one without a start (skipped) follows the latest end.
 */
export function stageTimeline(report: RunReport): Chart | undefined {
  if (report.stages.length === 0) return undefined;
  const runStart = Date.parse(report.startedAt);
  let latestEnd = 0;
  const values = report.stages.map((stage) => {
    const peaks = report.target === 'local' ? report.peakMemoryBytes[stage.name] ?? {} : {};
    const peak = Math.max(0, ...Object.values(peaks));
    const start = stage.startedAt ? Math.max(0, Date.parse(stage.startedAt) - runStart) : latestEnd;
    latestEnd = Math.max(latestEnd, start + stage.durationMs);
    return {
      stage: stage.name,
      status: stage.status,
      start: start / 1000,
      end: (start + stage.durationMs) / 1000,
      label: `${formatDuration(stage.durationMs)}${peak > 0 ? ` · peak ${formatBytes(peak)}` : ''}`,
    };
  });
  const order = values.map((v) => v.stage);
  return {
    id: 'stages',
    title: 'Stages',
    caption: 'Each stage from its start to its end; the label gives its duration and the peak memory of the largest process during it.',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      config,
      width: WIDE,
      height: { step: 28 },
      data: { values },
      encoding: { y: { field: 'stage', type: 'nominal', sort: order, title: null } },
      layer: [
        {
          mark: { type: 'bar', cornerRadius: 3 },
          encoding: {
            x: { field: 'start', type: 'quantitative', title: 'seconds since the run started' },
            x2: { field: 'end' },
            color: { field: 'status', type: 'nominal', scale: { domain: Object.keys(STATUS_COLORS), range: Object.values(STATUS_COLORS) }, title: 'status' },
          },
        },
        { mark: { type: 'text', align: 'left', dx: 4, fontSize: 11 }, encoding: { x: { field: 'end', type: 'quantitative' }, text: { field: 'label' } } },
      ],
    },
  };
}

/** The reconciliation as a funnel: sent -> read -> landed (+ errors) -> valid (+ rejected, duplicates) -> counted. */
export function reconciliationFunnel(report: RunReport): Chart | undefined {
  const r = report.reconciliation;
  if (!r) return undefined;
  const steps: Array<{ step: string; count: number; kind: string }> = [{ step: 'sent', count: r.sent, kind: 'flow' }];
  if (report.target === 'local' && report.reconciliation) {
    const l = report.reconciliation;
    steps.push(
      { step: 'read from the stream', count: l.read, kind: 'flow' },
      { step: 'landed as Parquet', count: l.landed, kind: 'flow' },
      { step: '+ to errors/', count: l.landingErrors, kind: 'set aside' },
      { step: 'distinct valid events', count: l.distinctValidEvents, kind: 'flow' },
      ...(l.rejected === undefined ? [] : [{ step: '+ in rejected_events', count: l.rejected, kind: 'set aside' }]),
      { step: '+ duplicates', count: l.duplicates, kind: 'set aside' },
    );
  } else {
    steps.push({ step: 'distinct valid events', count: r.distinctValidEvents, kind: 'flow' });
  }
  if (r.kpiEvents !== undefined) steps.push({ step: 'counted by the KPI tables', count: r.kpiEvents, kind: r.reconciled ? 'flow' : 'mismatch' });
  return {
    id: 'funnel',
    title: `Reconciliation: ${r.reconciled === undefined ? 'not checked (event_geo was not run)' : r.reconciled ? 'every event accounted for' : 'NOT reconciled'}`,
    caption: report.target === 'aws'
      ? 'Firehose reports no record counts, so the events sent are reconciled with what the tables count.'
      : 'Every record sent is read, landed or set aside; every distinct valid event is counted once.',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      config,
      width: WIDE,
      height: { step: 26 },
      data: { values: steps },
      encoding: { y: { field: 'step', type: 'nominal', sort: steps.map((s) => s.step), title: null, axis: { labelLimit: 240 } } },
      layer: [
        {
          mark: { type: 'bar', cornerRadius: 3 },
          encoding: {
            x: { field: 'count', type: 'quantitative', title: 'records' },
            color: {
              field: 'kind',
              type: 'nominal',
              scale: { domain: ['flow', 'set aside', 'mismatch'], range: ['#3b5bdb', '#adb5bd', '#e03131'] },
              title: null,
              legend: { orient: 'bottom' },
            },
          },
        },
        { mark: { type: 'text', align: 'left', dx: 4, fontSize: 11 }, encoding: { x: { field: 'count', type: 'quantitative' }, text: { field: 'count', format: ',d' } } },
      ],
    },
  };
}

/** The KPI charts: events per day by type, temperature per location over days, the faultiest sensors, the statuses. */
export function kpiCharts(data: KpiChartData | undefined): Chart[] {
  if (!data) return [];
  return [eventsPerDayChart(data), temperatureChart(data), faultySensorsChart(data), statusesChart(data)].filter((c): c is Chart => c !== undefined);
}

/** Events per day by type, from event_geo_kpis_events. */
function eventsPerDayChart(data: KpiChartData): Chart | undefined {
  if (!data.eventsPerDay?.length) return undefined;
  return {
    id: 'events-per-day',
    title: 'Events per day by type',
    caption: 'event_geo_kpis_events over the run\'s days.',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      config,
      width: WIDTH,
      height: 220,
      data: { values: data.eventsPerDay },
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'day', type: 'ordinal', title: 'day (UTC)', axis: { labelAngle: 0 } },
        y: { field: 'events', type: 'quantitative', title: 'events', axis: { format: ',d' } },
        color: { field: 'eventType', type: 'nominal', title: 'event type' },
      },
    },
  };
}

/** Each location's daily temperature band and average, from temp_humidity_kpis. */
function temperatureChart(data: KpiChartData): Chart | undefined {
  if (!data.temperature?.length) return undefined;
  return {
    id: 'temperature',
    title: 'Temperature per location',
    caption: 'temp_humidity_kpis: the band is the day\'s minimum to maximum, the line and dots its average (°C).',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      config,
      data: { values: data.temperature },
      facet: { field: 'location', type: 'nominal', title: 'location (latitude, longitude)' },
      columns: 4,
      spec: {
        width: 95,
        height: 90,
        encoding: { x: { field: 'day', type: 'ordinal', title: null, axis: { labelAngle: -45 } } },
        layer: [
          { mark: { type: 'area', opacity: 0.25, color: '#e8590c' }, encoding: { y: { field: 'min', type: 'quantitative', title: '°C' }, y2: { field: 'max' } } },
          { mark: { type: 'line', color: '#e8590c', point: true }, encoding: { y: { field: 'avg', type: 'quantitative' } } },
        ],
      },
    },
  };
}

/** The sensors with the highest faulty_pct, from sensor_health. */
function faultySensorsChart(data: KpiChartData): Chart | undefined {
  if (!data.faultySensors?.length) return undefined;
  return {
    id: 'faulty-sensors',
    title: `Sensors with the highest faulty_pct (top ${data.faultySensors.length})`,
    caption: 'sensor_health, all time: the share of each sensor\'s events with status faulty.',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      config,
      width: WIDTH,
      height: { step: 20 },
      data: { values: data.faultySensors.map((s) => ({ ...s, sensor: `sensor ${s.sensorId}` })) },
      encoding: { y: { field: 'sensor', type: 'nominal', sort: null, title: null } },
      layer: [
        { mark: { type: 'bar', color: '#c2255c', cornerRadius: 3 }, encoding: { x: { field: 'faultyPct', type: 'quantitative', title: 'faulty_pct (%)' } } },
        { mark: { type: 'text', align: 'left', dx: 4, fontSize: 11 }, encoding: { x: { field: 'faultyPct', type: 'quantitative' }, text: { field: 'faultyPct', format: '.2f' } } },
      ],
    },
  };
}

/** Sensors per latest status, from status_health. */
function statusesChart(data: KpiChartData): Chart | undefined {
  if (!data.statuses?.length) return undefined;
  return {
    id: 'statuses',
    title: 'Status distribution',
    caption: 'status_health: each sensor counted once, under its latest status.',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      config,
      width: WIDTH,
      height: { step: 24 },
      data: { values: data.statuses },
      encoding: { y: { field: 'status', type: 'nominal', sort: null, title: null } },
      layer: [
        { mark: { type: 'bar', cornerRadius: 3 }, encoding: { x: { field: 'sensors', type: 'quantitative', title: 'sensors' }, color: { field: 'status', type: 'nominal', legend: null } } },
        { mark: { type: 'text', align: 'left', dx: 4, fontSize: 11 }, encoding: { x: { field: 'sensors', type: 'quantitative' }, text: { field: 'sensors', format: ',d' } } },
      ],
    },
  };
}

/** For multi-day runs: bytes the KPI jobs read and their time, per day. */
export function dailyCharts(days: readonly DayRow[] | undefined): Chart[] {
  if (!days?.length) return [];
  const values = days.map((d) => ({ ...d, mib: d.bytesRead / 2 ** 20 }));
  const bar = (field: string, title: string, format: string, color: string): TopLevelSpec => ({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config,
    width: WIDTH,
    height: 180,
    data: { values },
    mark: { type: 'bar', color },
    encoding: { x: { field: 'day', type: 'ordinal', title: 'day (UTC)', axis: { labelAngle: 0 } }, y: { field, type: 'quantitative', title, axis: { format } } },
  });
  return [
    { id: 'bytes-per-day', title: 'Bytes read per day', caption: 'What the daily KPI run read from bronze.', spec: bar('mib', 'MiB read', ',.2f', '#1971c2') },
    { id: 'kpi-time-per-day', title: 'KPI time per day', caption: 'Wall time of the daily KPI run.', spec: bar('kpiSeconds', 'seconds', ',.2f', '#5f3dc4') },
  ];
}

/** The cost section's chart: bytes scanned per query (local), or dollars per service (aws). */
export function costChart(cost: RunCost | undefined): Chart | undefined {
  if (!cost) return undefined;
  if (cost.kind === 'local-scan') {
    if (cost.queries.length === 0) return undefined;
    const values = cost.queries.flatMap((q, i) => [
      { query: `${i + 1}. ${q.subject}`, measure: 'scanned by Trino', mib: (q.bytesScanned ?? 0) / 2 ** 20 },
      { query: `${i + 1}. ${q.subject}`, measure: 'Athena would bill', mib: q.billedBytes / 2 ** 20 },
    ]);
    return {
      id: 'query-scan',
      title: 'What each query scanned, and what Athena would bill',
      caption: 'Trino\'s physical input bytes per query; Athena rounds each query up to a megabyte and bills at least 10 MB.',
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        config,
        width: WIDE,
        data: { values },
        mark: { type: 'bar' },
        encoding: {
          y: { field: 'query', type: 'nominal', sort: null, title: null, axis: { labelLimit: 260 } },
          yOffset: { field: 'measure' },
          x: { field: 'mib', type: 'quantitative', title: 'MiB', axis: { format: ',.2f' } },
          color: { field: 'measure', type: 'nominal', scale: { domain: ['scanned by Trino', 'Athena would bill'], range: ['#1971c2', '#adb5bd'] }, title: null },
        },
      },
    };
  }
  const values = cost.lines.filter((l) => l.usd !== null).map((l) => ({ service: l.service, usd: l.usd }));
  if (values.length === 0) return undefined;
  return {
    id: 'cost-by-service',
    title: 'Estimated cost by service',
    caption: `List prices for ${cost.region} as of ${cost.pricesAsOf}.`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      config,
      width: WIDE,
      height: { step: 26 },
      data: { values },
      encoding: { y: { field: 'service', type: 'nominal', sort: '-x', title: null } },
      layer: [
        { mark: { type: 'bar', color: '#2b8a3e', cornerRadius: 3 }, encoding: { x: { field: 'usd', type: 'quantitative', title: 'USD' } } },
        { mark: { type: 'text', align: 'left', dx: 4, fontSize: 11 }, encoding: { x: { field: 'usd', type: 'quantitative' }, text: { field: 'usd', format: '$,.4f' } } },
      ],
    },
  };
}
