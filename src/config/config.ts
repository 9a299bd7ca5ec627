import { z } from 'zod';
import { ENVIRONMENT_CHOICES, EnvironmentName, ResourceNames, isEnvironmentName, resourceNames } from './names';

export const TARGETS = ['local', 'aws'] as const;
export type TargetName = (typeof TARGETS)[number];

/** Credentials the emulator accepts; never used against AWS. */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;

/** What an AWS region's name looks like (`eu-west-1`, `us-gov-west-1`). */
export const AWS_REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** Region used by the local target (the emulator accepts any). */
export const LOCAL_REGION = 'us-east-1';

const optionsSchema = z.object({
  target: z.enum(TARGETS).default('local'),
  environment: z.string().refine(isEnvironmentName, `must be ${ENVIRONMENT_CHOICES}`).optional(),
  region: z.string().min(1).optional(),
  accountId: z.string().regex(/^\d{12}$/, 'an AWS account id has 12 digits').optional(),
});

export type ConfigOptions = z.input<typeof optionsSchema>;

/** An environment's name in an input schema: a standing environment or a preview. */
export const environmentSchema = z.string().refine(isEnvironmentName, `must be ${ENVIRONMENT_CHOICES}`).transform((name) => name as EnvironmentName);

/** A deployed environment's name in an input schema (not `local`). */
export const deployedEnvironmentSchema = z.string()
  .refine((name) => name !== 'local' && isEnvironmentName(name), 'must be a deployed environment: dev, staging, prod or a preview pr-<number>')
  .transform((name) => name as Exclude<EnvironmentName, 'local'>);

export interface ClickstreamConfig {
  readonly target: TargetName;
  readonly environment: EnvironmentName;
  readonly region: string;
  readonly names: ResourceNames;
}

/**
 * Environment variables that override resource names (the seed's start script used these),
 * highest precedence first.
 */
export const NAME_OVERRIDES = {
  BRONZE_BUCKET: 'bronzeBucket',
  ICEBERG_BUCKET: 'warehouseBucket',
  SCRIPTS_BUCKET: 'scriptsBucket',
  LOGS_BUCKET: 'logsBucket',
  ATHENA_RESULTS_BUCKET: 'athenaResultsBucket',
  GLUE_DATABASE: 'glueDatabase',
  KINESIS_STREAM: 'streamName',
  ATHENA_WORKGROUP: 'athenaWorkgroup',
} as const satisfies Record<string, keyof ResourceNames>;

/**
 * Resolves the configuration: explicit options, then environment variables, then defaults
 * (local target, `local` environment, us-east-1).
 */
export function loadConfig(options: ConfigOptions = {}, env: NodeJS.ProcessEnv = process.env): ClickstreamConfig {
  const parsed = optionsSchema.safeParse({
    // An empty variable is an unset one (a workflow's `${{ vars.X }}` of a variable nobody defined).
    target: options.target || env.CLICKSTREAM_TARGET || undefined,
    environment: options.environment || env.CLICKSTREAM_ENV || undefined,
    region: options.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
    accountId: options.accountId,
  });
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${issues}. Targets: ${TARGETS.join(', ')}; environments: ${ENVIRONMENT_CHOICES}.`);
  }
  const target = parsed.data.target;
  const environment = (parsed.data.environment ?? (target === 'local' ? 'local' : 'dev')) as EnvironmentName;
  try {
    checkTargetEnvironment(target, environment);
  } catch (e) {
    const fromVariable = options.environment === undefined && env.CLICKSTREAM_ENV !== undefined;
    throw fromVariable ? new Error(`${(e as Error).message} (The environment came from CLICKSTREAM_ENV=${env.CLICKSTREAM_ENV}.)`) : e;
  }
  const region = target === 'local' ? LOCAL_REGION : parsed.data.region ?? 'us-east-1';
  const base = resourceNames(environment, parsed.data.accountId);
  const names: Record<string, string> = { ...base };
  if (target === 'aws') {
    for (const [variable, key] of Object.entries(NAME_OVERRIDES)) {
      const value = env[variable];
      if (value) names[key] = value;
    }
    names.warehouseUri = `s3://${names.warehouseBucket}/warehouse`;
    names.bronzeUri = `s3://${names.bronzeBucket}/events/`;
  }
  return { target, environment, region, names: names as unknown as ResourceNames };
}

/**
 * Environments a target cannot hold. Locally every environment lives on one emulator, where
 * prod's database (`analytics`, the seed's) would be the local environment's; on AWS `local` names
 * nothing deployed.
 */
export function checkTargetEnvironment(target: TargetName, environment: EnvironmentName): void {
  if (target === 'local' && environment === 'prod') {
    throw new Error('The local target has no prod environment: its Glue database (analytics) is the local environment\'s. ' +
      'Use local (the default) or another name, e.g. --environment pr-7.');
  }
  if (target === 'aws' && environment === 'local') {
    throw new Error('The environment "local" is the embedded stack\'s: with --target aws name a deployed one (dev, staging, prod or pr-<number>).');
  }
}
