import { bootstrapCheck, credentialsCheck, regionCheck } from './account';
import { clusterSubnetCheck, serviceLinkedRoleCheck } from './cluster-network';
import { AwsDoctorContext, DeployedEnvironmentName } from './context';
import { athenaWorkgroupCheck, lakeFormationCheck } from './query-and-catalog';
import { DoctorAwsClients, defaultDoctorClients, readOnlyClients } from './read-only';
import { scriptsCheck } from './scripts';
import { outputsCheck, stacksCheck } from './stacks';
import { awsRegion } from '../../config/stack-outputs';
import { DoctorCheck, DoctorReport, runChecks } from '../check';

export { DOCTOR_AWS_COMMANDS } from './read-only';

export interface AwsDoctorOptions {
  readonly environment: DeployedEnvironmentName;
  /** From --region; AWS_REGION wins when set, AWS_DEFAULT_REGION is the fallback. */
  readonly region?: string;
  /** The clients of a region. @default SDK clients with the default credential chain */
  readonly clients?: (region: string) => DoctorAwsClients;
  /** The checkout's scripts version, to say whether it is deployed. @default - not compared */
  readonly localScriptsVersion?: string;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/** The checks of `clickstream doctor --target aws`, in the order they run. */
export function awsChecks(region: { readonly region: string | undefined; readonly from?: string }): ReadonlyArray<DoctorCheck<AwsDoctorContext>> {
  return [
    regionCheck(region),
    credentialsCheck,
    bootstrapCheck,
    stacksCheck,
    outputsCheck,
    clusterSubnetCheck,
    serviceLinkedRoleCheck,
    athenaWorkgroupCheck,
    lakeFormationCheck,
    scriptsCheck,
  ];
}

/** Checks a deployed environment's prerequisites with read-only requests (see DOCTOR_AWS_COMMANDS). */
export async function awsDoctor(options: AwsDoctorOptions): Promise<DoctorReport> {
  const env = options.env ?? process.env;
  const region = awsRegion(options.region, env);
  const from = env.AWS_REGION ? 'AWS_REGION' : options.region ? '--region' : 'AWS_DEFAULT_REGION';
  // Clients are made only for a usable region; without one every check after the region's is skipped.
  const clients = readOnlyClients((options.clients ?? defaultDoctorClients)(region ?? 'us-east-1'));
  const context = new AwsDoctorContext({ environment: options.environment, region, clients, localScriptsVersion: options.localScriptsVersion, env });
  return runChecks(awsChecks({ region, from }), context, { target: 'aws', environment: options.environment });
}
