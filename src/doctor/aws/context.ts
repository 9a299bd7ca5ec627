import { DescribeStacksCommand, Stack } from '@aws-sdk/client-cloudformation';
import { GetCallerIdentityCommand, GetCallerIdentityCommandOutput } from '@aws-sdk/client-sts';
import { DoctorAwsClients } from './read-only';
import { CloudFormationLike, ResolveAwsNamesOptions, ResolvedAwsNames, isMissingStack, resolveAwsNames } from '../../config/stack-outputs';

/** A deployed environment's name (not `local`). */
export type DeployedEnvironmentName = ResolveAwsNamesOptions['environment'];

export interface AwsDoctorContextOptions {
  readonly environment: DeployedEnvironmentName;
  /** The region, or undefined when none is configured (the region check says so). */
  readonly region: string | undefined;
  /** Read-only clients of that region (see readOnlyClients). */
  readonly clients: DoctorAwsClients;
  /** The checkout's scripts version, compared with the deployed one. @default - not compared */
  readonly localScriptsVersion?: string;
  /** Variables that override names (BRONZE_BUCKET, GLUE_DATABASE, ...). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * What the AWS checks share: the clients, and each stack read once (the stacks check, the name
 * resolution and the output lookups all read the same answers).
 */
export class AwsDoctorContext {
  readonly environment: DeployedEnvironmentName;
  readonly clients: DoctorAwsClients;
  readonly localScriptsVersion?: string;
  private readonly regionName: string | undefined;
  private readonly env: NodeJS.ProcessEnv;
  private readonly stacks = new Map<string, Promise<Stack | undefined>>();
  private resolved?: Promise<ResolvedAwsNames>;
  private caller?: Promise<GetCallerIdentityCommandOutput>;

  constructor(options: AwsDoctorContextOptions) {
    this.environment = options.environment;
    this.regionName = options.region;
    this.clients = options.clients;
    this.localScriptsVersion = options.localScriptsVersion;
    this.env = options.env ?? process.env;
  }

  /** The region; only checks that need the region check run, so it is set. */
  get region(): string {
    if (!this.regionName) throw new Error('no region is configured');
    return this.regionName;
  }

  /** Who the credentials are (sts:GetCallerIdentity), asked once. */
  identity(): Promise<GetCallerIdentityCommandOutput> {
    this.caller ??= this.clients.sts.send(new GetCallerIdentityCommand({}));
    return this.caller;
  }

  /** A stack as DescribeStacks answers it, or undefined when it does not exist. */
  stack(name: string): Promise<Stack | undefined> {
    let stack = this.stacks.get(name);
    if (!stack) {
      stack = this.clients.cloudFormation.send(new DescribeStacksCommand({ StackName: name })).then(
        (response) => response.Stacks?.[0],
        (error: unknown) => {
          if (isMissingStack(error)) return undefined;
          throw error;
        },
      );
      this.stacks.set(name, stack);
    }
    return stack;
  }

  /** An output of one of the environment's stacks, by key. */
  async output(key: string): Promise<string | undefined> {
    return (await this.names()).outputs[key];
  }

  /** The environment's resource names as every command resolves them (variables, stack outputs, convention). */
  names(): Promise<ResolvedAwsNames> {
    this.resolved ??= resolveAwsNames({
      environment: this.environment,
      region: this.region,
      cloudFormation: () => this.cachedCloudFormation(),
      env: { ...this.env, AWS_REGION: this.region },
    });
    return this.resolved;
  }

  /** A CloudFormation client that answers DescribeStacks from {@link stack}. */
  private cachedCloudFormation(): CloudFormationLike {
    const send = async (command: DescribeStacksCommand) => {
      const stack = await this.stack(command.input.StackName!);
      if (!stack) throw Object.assign(new Error(`Stack with id ${command.input.StackName} does not exist`), { name: 'ValidationError' });
      return { Stacks: [stack], $metadata: {} };
    };
    return { send } as unknown as CloudFormationLike;
  }
}
