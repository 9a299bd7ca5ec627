import { AthenaClient, GetWorkGroupCommand } from '@aws-sdk/client-athena';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetDatabaseCommand, GlueClient } from '@aws-sdk/client-glue';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

/**
 * Every AWS request `clickstream doctor --target aws` may send, in one place: each is a read
 * (Describe, Get, Head). The senders below refuse any other command, and the permission contract
 * evaluates these against the roles that run doctor.
 */
export const DOCTOR_AWS_COMMANDS = [
  GetCallerIdentityCommand,
  DescribeStacksCommand,
  DescribeSubnetsCommand,
  GetRoleCommand,
  GetWorkGroupCommand,
  GetDatabaseCommand,
  HeadObjectCommand,
] as const;

type DoctorCommand = InstanceType<(typeof DOCTOR_AWS_COMMANDS)[number]>;

/** The clients doctor reads through, one per service (SDK clients, or ones aws-sdk-client-mock answers for). */
export interface DoctorAwsClients {
  readonly sts: Pick<STSClient, 'send'>;
  readonly cloudFormation: Pick<CloudFormationClient, 'send'>;
  readonly ec2: Pick<EC2Client, 'send'>;
  readonly iam: Pick<IAMClient, 'send'>;
  readonly athena: Pick<AthenaClient, 'send'>;
  readonly glue: Pick<GlueClient, 'send'>;
  readonly s3: Pick<S3Client, 'send'>;
}

/** SDK clients of one region with the default credential chain. */
export function defaultDoctorClients(region: string): DoctorAwsClients {
  return {
    sts: new STSClient({ region }),
    cloudFormation: new CloudFormationClient({ region }),
    ec2: new EC2Client({ region }),
    iam: new IAMClient({ region }),
    athena: new AthenaClient({ region }),
    glue: new GlueClient({ region }),
    s3: new S3Client({ region }),
  };
}

/** Throws unless the command is one of {@link DOCTOR_AWS_COMMANDS}. */
export function assertDoctorCommand(command: unknown): asserts command is DoctorCommand {
  if (!DOCTOR_AWS_COMMANDS.some((allowed) => command instanceof allowed)) {
    const name = (command as { constructor?: { name?: string } })?.constructor?.name ?? String(command);
    throw new Error(`clickstream doctor only reads: ${name} is not one of its requests (DOCTOR_AWS_COMMANDS).`);
  }
}

/** The clients, each refusing, before it is sent, any command doctor does not list. */
export function readOnlyClients(clients: DoctorAwsClients): DoctorAwsClients {
  const guard = <C extends { send(command: never): Promise<unknown> }>(client: C): C => ({
    async send(command: never) {
      assertDoctorCommand(command);
      return client.send(command);
    },
  }) as C;
  return {
    sts: guard(clients.sts),
    cloudFormation: guard(clients.cloudFormation),
    ec2: guard(clients.ec2),
    iam: guard(clients.iam),
    athena: guard(clients.athena),
    glue: guard(clients.glue),
    s3: guard(clients.s3),
  };
}
