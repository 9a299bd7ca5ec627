import { localRun } from './local-run';
import { TargetName } from '../../config/config';
import { localDoctor } from '../../doctor/local';
import { TrinoEngine } from '../../engines/trino';
import { land } from '../../landing/worker';
import { bootstrapLocalResources, emulatorClients } from '../../local/bootstrap';
import { destroyLocalEnvironment } from '../../local/environments';
import { describeKpiRun } from '../../local/kpi-run-summary';
import { runKpisLocally } from '../../local/kpi-runner';
import { runMaintenanceLocally } from '../../local/maintenance-runner';
import { LocalPaths, localPaths } from '../../local/paths';
import { publishRunLocally } from '../../local/publish-runner';
import { requireRunningStack, stackUp } from '../../local/stack';
import { describeMaintenance } from '../../maintenance/maintenance-report';
import { Clock, systemClock } from '../../timing/clock';
import { Target } from '../target';

export interface LocalTargetProps {
  /** Where the toolchain, the stack's state and its logs are. @default localPaths() */
  readonly paths?: LocalPaths;
  /** Paces progress lines. @default systemClock */
  readonly clock?: Clock;
}

/** Progress lines of long work at most once a second. */
const PROGRESS_INTERVAL_MS = 1000;

/** The embedded stack: the emulator's Kinesis, S3 and Glue, a warm Spark, Trino for Athena. */
export function localTarget(props: LocalTargetProps = {}): Target {
  const paths = () => props.paths ?? localPaths();
  const clock = props.clock ?? systemClock;
  const running = () => requireRunningStack({ paths: paths() });
  const name: TargetName = 'local';
  const target: Target = {
    name,
    planRun(request) {
      const given = [...request.awsOptionsGiven ?? []];
      if (given.length > 0) {
        throw new Error(`${given.join(', ')} ${given.length === 1 ? 'applies' : 'apply'} only to --target aws; add --target aws, or leave them out for the local run.`);
      }
      return {
        stopping: { stopping: 'stopping the run and everything it started' },
        start: ({ signal, progress }) => localRun({
          paths: paths(),
          names: request.config.names,
          source: request.source,
          jobs: request.jobs,
          shiftToNow: request.shiftToNow,
          keep: request.keep,
          failOnWarn: request.failOnWarn,
          prices: request.prices,
          signal,
          progress,
        }),
      };
    },
    async queryEngine(config, options = {}) {
      const endpoint = options.trinoEndpoint ?? (await running()).trino;
      return new TrinoEngine({ endpoint, schema: config.names.glueDatabase });
    },
    async publishRun({ config, runId, signal, log }) {
      const endpoints = await running();
      return publishRunLocally({ paths: paths(), awsEndpoint: endpoints.aws, names: config.names, runId, log, signal });
    },
    doctor: (config) => localDoctor({ paths: paths() }, config.environment),
    async streamClients(config) {
      const clients = emulatorClients((await running()).aws);
      // Like `up`, idempotent: an environment's first use creates its stream, buckets and database.
      await bootstrapLocalResources(clients, config.names);
      return { kinesis: clients.kinesis, s3: clients.s3, names: config.names, region: config.region };
    },
    async land(request) {
      const clients = await target.streamClients(request.config);
      const { names } = clients;
      const streamName = request.streamName ?? names.streamName;
      const bucket = request.bucket ?? names.bronzeBucket;
      request.log(`land: local stream ${streamName} -> s3://${bucket}/`);
      let lastReport = 0;
      return land({
        kinesis: clients.kinesis,
        s3: clients.s3,
        streamName,
        bucket,
        deliveryStreamName: names.deliveryStreamName,
        table: { databaseName: names.glueDatabase, tableName: names.rawTable, region: clients.region },
        bufferSizeBytes: request.bufferSizeBytes,
        bufferIntervalMs: request.bufferIntervalMs,
        fromOldest: request.fromOldest,
        onProgress: (p) => {
          if (clock() - lastReport < PROGRESS_INTERVAL_MS) return;
          lastReport = clock();
          request.log(`land: ${p.read} read (${p.shardId}), ${p.landed} landed, ${p.errors} errors`);
        },
      });
    },
    startStack: ({ config, signal, log }) => stackUp({ paths: paths(), names: config.names, log, signal }),
    planKpis(request) {
      return {
        stopping: { stopping: 'cancelling the KPI job (its Spark processes, or its request to the stack\'s warm Spark)' },
        async run({ signal, log }) {
          const endpoints = await running();
          const result = await runKpisLocally({
            paths: paths(),
            awsEndpoint: endpoints.aws,
            names: request.config.names,
            scope: request.scope,
            jobs: request.jobs,
            mode: request.mode,
            run: { asOf: request.asOf },
            log,
            signal,
          });
          return { result, text: () => describeKpiRun(result), failed: false };
        },
      };
    },
    planMaintenance(request) {
      return {
        stopping: { stopping: 'stopping the maintenance job\'s Spark processes' },
        async run({ signal, log }) {
          const endpoints = await running();
          const result = await runMaintenanceLocally({
            paths: paths(), awsEndpoint: endpoints.aws, names: request.config.names, maintenance: request.maintenance, log, signal,
          });
          return { result, text: () => describeMaintenance(result), failed: result.failed.length > 0 };
        },
      };
    },
    async destroyEnvironment({ config }) {
      const result = await destroyLocalEnvironment(emulatorClients((await running()).aws), config.names);
      return {
        result,
        text: () => [
          result.removed.length > 0 ? `Removed environment ${result.environment} from the embedded stack:` : `Environment ${result.environment} is not on the embedded stack: nothing to remove.`,
          ...result.removed.map((r) => `  ${r}`),
          ...(result.removed.length > 0 && result.absent.length > 0 ? [`Already gone: ${result.absent.join(', ')}.`] : []),
        ].join('\n'),
        failed: false,
      };
    },
  };
  return target;
}
