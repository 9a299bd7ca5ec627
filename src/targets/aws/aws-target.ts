import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EMRServerlessClient } from '@aws-sdk/client-emr-serverless';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { athenaEngine } from './athena-engine';
import { awsRun, createAwsRunClients, planAwsRun } from './aws-run';
import { AwsRunDeps } from './aws-stages';
import { TargetName } from '../../config/config';
import { Compute, isPreviewEnvironment } from '../../config/names';
import { scriptsVersion } from '../../config/scripts';
import { CloudFormationLike } from '../../config/stack-outputs';
import { priceTableFor } from '../../cost/prices';
import { awsDoctor } from '../../doctor/aws';
import { createEmrClients } from '../../emr/clients';
import { renderReportMarkdown } from '../../emr/emr-run-report';
import { runMaintenanceOnEmr } from '../../emr/maintenance';
import { emrRunFromStacks } from '../../emr/run-from-stacks';
import { EmrRunInputs, parseEmrRunInputs, validateEmrRunInputs } from '../../emr/run-inputs';
import { EmrRunOptions } from '../../emr/run-kpis';
import { DeployedCompute, computeFromOutputs } from '../../emr-serverless/deployed-compute';
import { runMaintenanceServerless } from '../../emr-serverless/run-maintenance';
import { computeOfRun, kpiComputeSucceeded, renderKpiComputeReport, runKpisOnDeployedCompute } from '../../emr-serverless/run-on-deployed-compute';
import { billedCost, renderServerlessReport } from '../../emr-serverless/serverless-run-report';
import { formatTable } from '../../format/tables';
import { publishRun } from '../../kpis/publisher';
import { localPaths } from '../../local/paths';
import { MaintenanceResult, describeMaintenance } from '../../maintenance/maintenance-report';
import { createTeardownClients, teardownPreview } from '../../previews/teardown';
import { Clock, sleep as realSleep, systemClock } from '../../timing/clock';
import { MaintenanceRequest, Target } from '../target';

export interface AwsTargetProps {
  /** The run's clients, clock and sleep. @default - SDK clients for the run's region, real time */
  readonly deps?: (region: string) => AwsRunDeps;
  /** Names the runs of `kpis` and `maintain` (`cli-<epoch ms>`). @default systemClock */
  readonly clock?: Clock;
  /** Region variables and bucket overrides (AWS_REGION, BRONZE_BUCKET, ...). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Why `land` has no aws target: there the environment's Firehose delivery stream reads the Kinesis
 * stream and lands bronze itself, and a second reader would land every record twice.
 */
export const LAND_ON_AWS_REFUSAL = '`clickstream land` stands in for Firehose on the local target only. On AWS the environment\'s Firehose ' +
  'delivery stream (clickstream-<env>-bronze-delivery) already lands the Kinesis stream in bronze, and landing it here too would write every ' +
  'record twice. To wait for Firehose after a replay, use `clickstream run --target aws` (its land stage) or the replay-sensor-data action ' +
  'with wait-for-landing; to look at what landed, `clickstream query --target aws`.';

const EMR_STOPPING = { stopping: 'cancelling the EMR steps or job runs, and terminating a cluster this run started', secondSignalRisk: 'may leave them running' };

/** AWS: Kinesis, Firehose, EMR and Athena of a deployed environment, found from its stacks' outputs. */
export function awsTarget(props: AwsTargetProps = {}): Target {
  const clock = props.clock ?? systemClock;
  const env = () => props.env ?? process.env;
  const emrClients = (region: string) => (props.deps ? props.deps(region) : createEmrClients({ region }));
  const serverlessClient = (region: string) => props.deps?.(region).emrServerless ?? new EMRServerlessClient({ region });
  const cloudFormationOf = (region: string) => props.deps?.(region).cloudFormation ?? new CloudFormationClient({ region });
  const name: TargetName = 'aws';
  return {
    name,
    planRun(request) {
      if (request.keep) throw new Error('--keep applies to the local stack only; the aws target starts no stack (a transient EMR cluster always ends with its steps).');
      const options = {
        emr: requireEmrInputs(request.emr),
        inputStyle: request.inputStyle,
        source: request.source,
        allowProdReplay: request.allowProdReplay,
        landingTimeoutMs: request.landingTimeoutMs,
        env: props.env,
      };
      const plan = planAwsRun(options);
      return {
        stopping: EMR_STOPPING,
        start: ({ signal, progress }) => awsRun(
          { ...options, shiftToNow: request.shiftToNow, failOnWarn: request.failOnWarn, prices: request.prices, signal, progress },
          (props.deps ?? createAwsRunClients)(plan.region),
          plan,
        ),
      };
    },
    async queryEngine(config, options = {}) {
      if (options.trinoEndpoint) throw new Error('A Trino endpoint (trino-endpoint) applies to the local target only; on aws, Athena runs the queries.');
      return athenaEngine(config, {}, options);
    },
    publishRun: ({ config, runId, signal, log }) => {
      // Publishing needs no cluster: PyIceberg commits to the Glue catalog from this machine.
      const paths = localPaths();
      return publishRun({
        python: paths.python, sparkDir: paths.spark, database: config.names.glueDatabase, runId, region: config.region, log, signal,
      });
    },
    doctor: (config, options) => awsDoctor({
      environment: config.environment as Exclude<typeof config.environment, 'local'>,
      region: options.region,
      localScriptsVersion: checkoutScriptsVersion(),
    }),
    streamClients: async (config) => ({
      kinesis: new KinesisClient({ region: config.region }), s3: new S3Client({ region: config.region }), names: config.names, region: config.region,
    }),
    land: () => Promise.reject(new Error(LAND_ON_AWS_REFUSAL)),
    startStack: () => Promise.reject(new Error('`up` starts the embedded stack; on AWS an environment is deployed (deploy-infra, or `npx cdk deploy`).')),
    planKpis(request) {
      const inputs: EmrRunInputs = { ...requireEmrInputs(request.emr), jobs: request.jobs.join(',') };
      const identity = { runId: `cli-${clock()}` };
      // Every input is checked before any AWS call; whether a cluster (and its subnet) is needed, the
      // environment's compute stack says when the run starts.
      const parse = (compute: Compute, subnetId?: string) => {
        const parsed = parseEmrRunInputs(inputs, identity, env(), request.inputStyle, { compute, subnetId });
        const steps = parsed.options.steps;
        return { ...parsed, options: { ...parsed.options, steps: { ...steps, scope: request.scope, run: { ...steps.run, asOf: request.asOf } } } };
      };
      const parsed = parse('emr-serverless');
      return {
        stopping: EMR_STOPPING,
        async run({ signal, log }) {
          const region = parsed.region;
          const cloudFormation = cloudFormationOf(region);
          const environment = parsed.names.environment as Exclude<typeof parsed.names.environment, 'local'>;
          const deployed = await computeOfRun(parsed.options, cloudFormation, environment, parsed.names);
          // A subnet given as an input wins over the stack's.
          const { options } = parse(deployed.compute, deployed.compute === 'emr' ? deployed.subnetId : undefined);
          const run = await runKpisOnDeployedCompute(options, parsed.names, {
            ...emrClients(region),
            cloudFormation,
            serverless: serverlessClient(region),
            prices: priceTableFor(undefined, env()),
            signal,
            log,
          }, deployed);
          // --json carries the dollars of what EMR Serverless billed too.
          const result = run.compute === 'emr-serverless' ? { compute: run.compute, ...run.report, cost: run.cost } : { compute: run.compute, ...run.report };
          return { result, text: () => renderKpiComputeReport(run), failed: !kpiComputeSucceeded(run) };
        },
      };
    },
    planMaintenance(request) {
      const plannedRun = plannedMaintenanceRun(request, `cli-${clock()}`, env());
      return {
        stopping: { stopping: 'cancelling the maintenance step or job run, and terminating a cluster it started', secondSignalRisk: 'may leave them running' },
        async run({ signal, log }) {
          const { options, compute } = await plannedRun(cloudFormationOf);
          const { locations: { database, warehouse }, region, scriptsBucket, scriptsVersion: version } = options.steps;
          const step = { database, warehouse, region, scriptsBucket, scriptsVersion: version, maintenance: request.maintenance };
          if (compute.compute === 'emr-serverless') {
            log(`${compute.target.environment} runs its jobs on EMR Serverless (application ${compute.target.applicationId})`);
            const { s3 } = emrClients(region);
            const timing = props.deps?.(region);
            const report = await runMaintenanceServerless(step, {
              target: compute.target, runId: options.steps.run?.runId ?? `cli-${clock()}`, timeoutMs: options.timeoutMs, logWaitMs: options.logWaitMs, signal,
            }, {
              client: serverlessClient(region),
              s3,
              clock: timing?.clock ?? systemClock,
              sleep: timing?.sleep ?? realSleep,
              log,
            });
            const cost = billedCost(report.billed, priceTableFor(undefined, env()), region);
            return {
              result: { compute: compute.compute, ...report, cost },
              text: () => describeMaintenanceRun(renderServerlessReport(report, cost, 'Table maintenance'), report),
              failed: report.result !== 'completed' || (report.maintenance?.failed.length ?? 0) > 0,
            };
          }
          const report = await runMaintenanceOnEmr(step, options, { ...emrClients(region), signal, log });
          return {
            result: { compute: compute.compute, ...report },
            text: () => describeMaintenanceRun(renderReportMarkdown(report, 'Table maintenance'), report),
            failed: report.result !== 'completed' || (report.maintenance?.failed.length ?? 0) > 0,
          };
        },
      };
    },
    async destroyEnvironment({ config, region: given, log }) {
      const environment = config.environment;
      if (!isPreviewEnvironment(environment)) {
        throw new Error(`destroy --target aws removes a pull request's preview (pr-<number>) only, not "${environment}": ` +
          `delete a standing environment's stacks with \`npx cdk destroy --all -c environment=${environment}\`, deliberately.`);
      }
      const region = given || env().AWS_REGION || env().AWS_DEFAULT_REGION;
      if (!region) throw new Error('No AWS region: pass --region or set AWS_REGION to where the preview is deployed.');
      const report = await teardownPreview({ ...createTeardownClients(region), environment, region, log });
      return {
        result: report,
        text: () => [
          report.message,
          ...(report.left.length > 0 ? ['', formatTable(['left', 'state', 'to remove it'], report.left.map((l) => [`${l.kind} ${l.name}`, l.status, l.remedy]))] : []),
        ].join('\n'),
        failed: report.result === 'incomplete',
      };
    },
  };
}

function requireEmrInputs(inputs: EmrRunInputs | undefined): EmrRunInputs {
  if (!inputs) throw new Error('Work on AWS needs the EMR runner\'s inputs (environment, region, cluster shape); none were given.');
  return inputs;
}

/** A maintenance run's settings, and what runs it. */
interface MaintenanceRun {
  readonly options: EmrRunOptions;
  readonly compute: DeployedCompute;
}

/**
 * The maintenance run's settings, checked now and completed later: with a scripts version, names
 * by the naming convention (as `kpis --target aws`) and the compute from the compute stack; without
 * one, the environment's stack outputs name the buckets, database, roles, the deployed scripts version
 * and the compute (what the maintenance workflow relies on).
 */
function plannedMaintenanceRun(
  request: MaintenanceRequest, runId: string, env: NodeJS.ProcessEnv,
): (cloudFormationOf: (region: string) => CloudFormationLike) => Promise<MaintenanceRun> {
  const identity = { runId, purpose: 'maintain' };
  // Jobs and dates do not apply to maintenance.
  const inputs = requireEmrInputs(request.emr);
  if (inputs['scripts-version'] !== undefined) {
    // Checked now as if no cluster were needed; the subnet's check waits for the stack's answer.
    const parse = (compute: Compute, subnetId?: string) => parseEmrRunInputs(inputs, identity, env, request.inputStyle, { compute, subnetId });
    const checked = parse('emr-serverless');
    return async (cloudFormationOf) => {
      const environment = checked.names.environment as Exclude<typeof checked.names.environment, 'local'>;
      const compute = await computeOfRun(checked.options, cloudFormationOf(checked.region), environment, checked.names);
      return { options: parse(compute.compute, compute.compute === 'emr' ? compute.subnetId : undefined).options, compute };
    };
  }
  const validated = validateEmrRunInputs(inputs, env, { style: request.inputStyle, namesFromStack: true });
  return async (cloudFormationOf) => {
    const { options, resolved } = await emrRunFromStacks(validated, { cloudFormation: cloudFormationOf(validated.region), identity, env });
    const environment = validated.settings.environment;
    const compute: DeployedCompute = options.target.mode === 'existing' ? { compute: 'emr' } : computeFromOutputs(resolved.outputs, environment, resolved.names);
    return { options, compute };
  };
}

/** A maintenance run's report, then the job's per-table figures (or why there are none). */
function describeMaintenanceRun(head: string, report: { readonly maintenance?: MaintenanceResult; readonly maintenanceLog?: string }): string {
  const parts = [head];
  if (report.maintenance) parts.push(describeMaintenance(report.maintenance));
  if (report.maintenanceLog) parts.push(report.maintenanceLog);
  return parts.join('\n');
}

/** This checkout's scripts version, when it has the Spark folder. */
function checkoutScriptsVersion(): string | undefined {
  try {
    return scriptsVersion(localPaths().spark);
  } catch {
    return undefined;
  }
}
