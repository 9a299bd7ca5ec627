import { Command, InvalidArgumentError, Option } from 'commander';
import { ClickstreamConfig, TARGETS, TargetName, loadConfig } from '../config/config';
import { ENVIRONMENT_CHOICES, EnvironmentName, parseEnvironmentName } from '../config/names';

/** What every command that addresses an environment's resources takes: where, and which environment. */
export interface TargetCliOptions {
  /** From --target, else CLICKSTREAM_TARGET, else local (commander fills it in). */
  readonly target: TargetName;
  /** From --environment, else CLICKSTREAM_ENV; unset: `local` on the local target, `dev` on aws. */
  readonly environment?: EnvironmentName;
}

export interface TargetOptionsHelp {
  /** What the target decides for this command, e.g. "where the tables are". @default "where to run" */
  readonly target?: string;
  /** What the environment selects for this command. @default "whose stream, buckets and Glue database to use" */
  readonly environment?: string;
  /** The command needs the environment typed out: no default, no variable. @default false */
  readonly environmentRequired?: boolean;
}

const environmentName = (value: string): EnvironmentName => {
  try {
    return parseEnvironmentName(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
};

/**
 * `--target` and `--environment`, one definition for every command (issue #16 and #18): the local
 * target holds any number of environments on one embedded stack (each with its own stream, buckets
 * and Glue database, from the naming module), the aws target the deployed ones. A bad value is
 * refused while the command line is read, before anything starts or connects.
 */
export function addTargetOptions(command: Command, help: TargetOptionsHelp = {}): Command {
  const environment = new Option('--environment <name>', `environment ${help.environment ?? 'whose stream, buckets and Glue database to use'}: ` +
    `${ENVIRONMENT_CHOICES}${help.environmentRequired ? '' : ' (default: local on the local target, dev on aws)'}`).argParser(environmentName);
  return command
    .addOption(new Option('--target <target>', `${help.target ?? 'where to run'}: the embedded stack (local) or AWS`).choices(TARGETS).env('CLICKSTREAM_TARGET').default('local'))
    .addOption(help.environmentRequired ? environment : environment.env('CLICKSTREAM_ENV'));
}

/**
 * The configuration the options select (names from the naming module; on aws the seed's variables
 * override them). Throws, naming the option, for an environment the target cannot hold.
 */
export function configFromOptions(options: TargetCliOptions & { readonly region?: string }, env: NodeJS.ProcessEnv = process.env): ClickstreamConfig {
  return loadConfig({ target: options.target, environment: options.environment, region: options.region }, env);
}
