import { AthenaClient, GetWorkGroupCommand } from '@aws-sdk/client-athena';
import { CloudFormationClient, DeleteStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetDatabaseCommand, GlueClient } from '@aws-sdk/client-glue';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ATHENA_ENGINE_VERSION } from '../../src/config/athena-workgroup';
import { BOOTSTRAP_STACK } from '../../src/config/cdk-bootstrap';
import { scriptsKeyPrefix } from '../../src/config/scripts';
import { OUTPUT_KEYS, stackConcernsOf, stackName } from '../../src/config/stack-outputs';
import { DOCTOR_AWS_COMMANDS, awsDoctor } from '../../src/doctor/aws';
import { assertDoctorCommand, readOnlyClients } from '../../src/doctor/aws/read-only';
import { COMPUTE_OUTPUTS, RUN_OUTPUTS } from '../../src/doctor/aws/stacks';
import { CheckResult, DoctorReport } from '../../src/doctor/check';

/*
 * A fake account answering as the API references say, failures included:
 * - STS "GetCallerIdentity": Account, Arn, UserId; the SDK's credential chain fails with
 *   CredentialsProviderError before any request when it finds no credentials.
 * - CloudFormation "DescribeStacks": a stack that does not exist is a ValidationError "Stack with id
 *   X does not exist"; StackStatus codes from the CloudFormation User Guide, "Stack status codes".
 * - EC2 "DescribeSubnets": Subnets with Tags; an unknown id is InvalidSubnetID.NotFound (EC2 API
 *   Reference, "Error codes"); a denied caller gets UnauthorizedOperation.
 * - IAM "GetRole": NoSuchEntity (HTTP 404) for a role that does not exist.
 * - Athena "GetWorkGroup": WorkGroup.State and Configuration.EngineVersion {Selected, Effective};
 *   InvalidRequestException for a workgroup that does not exist.
 * - Glue "GetDatabase": Database.CreateTableDefaultPermissions; EntityNotFoundException.
 * - S3 "HeadObject": 404 with no body for a missing key (403 without s3:ListBucket); the SDK names
 *   a bodiless 404 NotFound and carries the status in $metadata.
 */
const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const SUBNET = 'subnet-0abc1234def567890';
const VERSION = '0123456789abcdef';
const ENV = { AWS_REGION: REGION } as NodeJS.ProcessEnv;

const sts = mockClient(STSClient);
const cfn = mockClient(CloudFormationClient);
const ec2 = mockClient(EC2Client);
const iam = mockClient(IAMClient);
const athena = mockClient(AthenaClient);
const glue = mockClient(GlueClient);
const s3 = mockClient(S3Client);
const ALL: ReadonlyArray<AwsClientStub<any>> = [sts, cfn, ec2, iam, athena, glue, s3];

const serviceError = (name: string, message: string, httpStatusCode: number) => Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode } });
const missingStack = (name: string) => serviceError('ValidationError', `Stack with id ${name} does not exist`, 400);

const outputsOf = (outputs: Record<string, string>) => Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue }));
const stack = (name: string, outputs: Record<string, string> = {}, status = 'CREATE_COMPLETE') => ({
  Stacks: [{ StackName: name, CreationTime: new Date('2026-12-01T00:00:00Z'), StackStatus: status as 'CREATE_COMPLETE', Outputs: outputsOf(outputs) }],
});

const DEPLOYED_OUTPUTS: Record<string, string> = {
  ...Object.fromEntries([...RUN_OUTPUTS, ...COMPUTE_OUTPUTS.emr].map((name) => [OUTPUT_KEYS[name], `${name}-value`])),
  [OUTPUT_KEYS.scriptsBucket]: 'clickstream-dev-scripts',
  [OUTPUT_KEYS.glueDatabase]: 'analytics_dev',
  [OUTPUT_KEYS.athenaWorkgroup]: 'clickstream-dev',
  [OUTPUT_KEYS.scriptsVersion]: VERSION,
  [OUTPUT_KEYS.clusterSubnetId]: SUBNET,
};

/** A healthy account: bootstrapped, dev deployed with the current app. Tests break one thing each. */
function healthyAccount(): void {
  for (const client of ALL) client.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/run/me`, UserId: 'AROA:me' });
  cfn.on(DescribeStacksCommand).callsFake(async (input: { StackName: string }) => {
    if (input.StackName === BOOTSTRAP_STACK) return stack(BOOTSTRAP_STACK, { BootstrapVersion: '28' });
    const concerns = stackConcernsOf('dev').map((c) => stackName('dev', c));
    if (!concerns.includes(input.StackName)) throw missingStack(input.StackName);
    // Each output comes from one stack, as the CDK app declares them; the compute stack carries the rest.
    return stack(input.StackName, input.StackName === stackName('dev', 'compute') ? DEPLOYED_OUTPUTS : {});
  });
  ec2.on(DescribeSubnetsCommand, { SubnetIds: [SUBNET] }).resolves({
    Subnets: [{ SubnetId: SUBNET, VpcId: 'vpc-0abc', AvailabilityZone: 'eu-west-1a', Tags: [{ Key: 'for-use-with-amazon-emr-managed-policies', Value: 'true' }] }],
  });
  iam.on(GetRoleCommand, { RoleName: 'AWSServiceRoleForEMRCleanup' }).resolves({
    Role: { RoleName: 'AWSServiceRoleForEMRCleanup', Path: '/aws-service-role/elasticmapreduce.amazonaws.com/', RoleId: 'AROAX', Arn: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/elasticmapreduce.amazonaws.com/AWSServiceRoleForEMRCleanup`, CreateDate: new Date('2025-01-02T00:00:00Z') },
  });
  athena.on(GetWorkGroupCommand, { WorkGroup: 'clickstream-dev' }).resolves({
    WorkGroup: { Name: 'clickstream-dev', State: 'ENABLED', Configuration: { EngineVersion: { SelectedEngineVersion: ATHENA_ENGINE_VERSION, EffectiveEngineVersion: ATHENA_ENGINE_VERSION } } },
  });
  glue.on(GetDatabaseCommand, { Name: 'analytics_dev' }).resolves({
    Database: { Name: 'analytics_dev', CreateTableDefaultPermissions: [{ Principal: { DataLakePrincipalIdentifier: 'IAM_ALLOWED_PRINCIPALS' }, Permissions: ['ALL'] }] },
  });
  s3.on(HeadObjectCommand).callsFake(async (input: { Bucket: string; Key: string }) => {
    if (input.Bucket === 'clickstream-dev-scripts' && input.Key.startsWith(scriptsKeyPrefix(VERSION))) return { ContentLength: 100 };
    throw serviceError('NotFound', 'NotFound', 404);
  });
}

const clients = () => ({
  sts: new STSClient({ region: REGION }),
  cloudFormation: new CloudFormationClient({ region: REGION }),
  ec2: new EC2Client({ region: REGION }),
  iam: new IAMClient({ region: REGION }),
  athena: new AthenaClient({ region: REGION }),
  glue: new GlueClient({ region: REGION }),
  s3: new S3Client({ region: REGION }),
});

const doctor = (env: NodeJS.ProcessEnv = ENV, region?: string) => awsDoctor({ environment: 'dev', region, clients, env, localScriptsVersion: VERSION });
const check = (report: DoctorReport, name: string): CheckResult => report.checks.find((c) => c.name === name)!;
/** Every request the fake account answered, by command name. */
const sent = () => ALL.flatMap((client) => client.calls().map((call) => call.args[0].constructor.name));

beforeEach(healthyAccount);

describe('clickstream doctor --target aws on a healthy account', () => {
  it('passes every check, each line saying what it found', async () => {
    const report = await doctor();
    expect(report.checks.filter((c) => c.status !== 'ok')).toEqual([]);
    expect(report).toMatchObject({ ok: true, failed: 0, skipped: 0, passed: 10, target: 'aws', environment: 'dev' });
    expect(check(report, 'credentials').detail).toContain(`account ${ACCOUNT}`);
    expect(check(report, 'cluster subnet').detail).toContain(SUBNET);
    expect(check(report, 'scripts').detail).toContain(`version ${VERSION} published`);
  });

  it('sends only the read-only commands it lists, each stack read once', async () => {
    await doctor();
    const names = sent();
    const listed = DOCTOR_AWS_COMMANDS.map((c) => c.name);
    expect(names.filter((n) => !listed.includes(n as never))).toEqual([]);
    expect(listed.every((n) => /^(Describe|Get|List|Head)[A-Z]\w*Command$/.test(n))).toBe(true);
    const stacksRead = cfn.commandCalls(DescribeStacksCommand).map((c) => c.args[0].input.StackName);
    expect(stacksRead).toHaveLength(new Set(stacksRead).size);
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);
  });

  it('refuses to send a command it does not list, before sending it', async () => {
    const guarded = readOnlyClients(clients());
    await expect(guarded.cloudFormation.send(new DeleteStackCommand({ StackName: 'clickstream-dev-storage' }) as never))
      .rejects.toThrow('clickstream doctor only reads: DeleteStackCommand is not one of its requests');
    expect(cfn.commandCalls(DeleteStackCommand)).toHaveLength(0);
    expect(() => assertDoctorCommand(new GetRoleCommand({ RoleName: 'x' }))).not.toThrow();
  });
});

describe('clickstream doctor --target aws, one broken prerequisite at a time', () => {
  it('region: none configured fails, and nothing is sent', async () => {
    const report = await doctor({});
    expect(check(report, 'region')).toMatchObject({ status: 'fail', detail: expect.stringContaining('set AWS_REGION (or pass --region)') });
    expect(check(report, 'credentials')).toMatchObject({ status: 'skip', detail: 'needs region' });
    expect(report.ok).toBe(false);
    expect(sent()).toEqual([]);
  });

  it('region: a malformed --region fails before any request', async () => {
    const report = await doctor({}, 'europe');
    expect(check(report, 'region').detail).toBe('"europe" (from --region) is not a region name: use one such as eu-west-1');
    expect(sent()).toEqual([]);
  });

  it('credentials: none found fails with how to provide them; the checks needing them are skipped', async () => {
    sts.on(GetCallerIdentityCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const report = await doctor();
    expect(check(report, 'credentials').detail).toMatch(/^no usable AWS credentials \(CredentialsProviderError: .*\): set AWS_PROFILE/);
    expect(report.checks.filter((c) => c.status === 'skip').map((c) => c.name)).toEqual(
      ['cdk bootstrap', 'stacks', 'stack outputs', 'cluster subnet', 'EMR cleanup role', 'athena workgroup', 'lake formation', 'scripts']);
    expect(report).toMatchObject({ failed: 1, skipped: 8, ok: false });
  });

  it('credentials: an expired token fails', async () => {
    sts.on(GetCallerIdentityCommand).rejects(serviceError('ExpiredToken', 'The security token included in the request is expired', 403));
    expect(check(await doctor(), 'credentials').detail).toContain('ExpiredToken');
  });

  it('cdk bootstrap: no CDKToolkit stack fails with the bootstrap command for this account and region', async () => {
    cfn.on(DescribeStacksCommand, { StackName: BOOTSTRAP_STACK }).rejects(missingStack(BOOTSTRAP_STACK));
    expect(check(await doctor(), 'cdk bootstrap').detail).toBe(
      `no CDKToolkit stack in ${REGION}: run \`npx cdk bootstrap aws://${ACCOUNT}/${REGION}\` once with administrator credentials`);
  });

  it('cdk bootstrap: a version older than the app needs fails', async () => {
    cfn.on(DescribeStacksCommand, { StackName: BOOTSTRAP_STACK }).resolves(stack(BOOTSTRAP_STACK, { BootstrapVersion: '5' }));
    expect(check(await doctor(), 'cdk bootstrap').detail).toMatch(/^CDKToolkit has bootstrap version 5, the app needs 6 or later: run `npx cdk bootstrap/);
  });

  it('stacks: a missing stack fails and skips what reads the stacks', async () => {
    cfn.on(DescribeStacksCommand, { StackName: stackName('dev', 'query') }).rejects(missingStack(stackName('dev', 'query')));
    const report = await doctor();
    expect(check(report, 'stacks').detail).toMatch(/^clickstream-dev-query does not exist: deploy the environment/);
    expect(check(report, 'athena workgroup')).toMatchObject({ status: 'skip', detail: 'needs stacks' });
    expect(check(report, 'EMR cleanup role').status).toBe('ok');
  });

  it('stacks: a failed creation and an update in progress each say what to do', async () => {
    cfn.on(DescribeStacksCommand, { StackName: stackName('dev', 'storage') }).resolves(stack(stackName('dev', 'storage'), {}, 'ROLLBACK_COMPLETE'));
    cfn.on(DescribeStacksCommand, { StackName: stackName('dev', 'ingestion') }).resolves(stack(stackName('dev', 'ingestion'), {}, 'UPDATE_IN_PROGRESS'));
    const detail = check(await doctor(), 'stacks').detail;
    expect(detail).toContain('clickstream-dev-storage is ROLLBACK_COMPLETE (its creation failed: delete it, then deploy)');
    expect(detail).toContain('clickstream-dev-ingestion is UPDATE_IN_PROGRESS (wait for it to finish)');
  });

  it('stacks: an update rolled back to the previous template still counts as deployed', async () => {
    cfn.on(DescribeStacksCommand, { StackName: stackName('dev', 'storage') }).resolves(stack(stackName('dev', 'storage'), {}, 'UPDATE_ROLLBACK_COMPLETE'));
    expect(check(await doctor(), 'stacks').status).toBe('ok');
  });

  it('stack outputs: an output a run reads is missing', async () => {
    const { [OUTPUT_KEYS.emrServiceRole]: _, ...withoutRole } = DEPLOYED_OUTPUTS;
    cfn.on(DescribeStacksCommand, { StackName: stackName('dev', 'compute') }).resolves(stack(stackName('dev', 'compute'), withoutRole));
    expect(check(await doctor(), 'stack outputs').detail).toMatch(/^the stacks have no EmrServiceRole output: deploy the environment/);
  });

  it('cluster subnet: a deployment without ClusterSubnetId fails', async () => {
    const { [OUTPUT_KEYS.clusterSubnetId]: _, ...withoutSubnet } = DEPLOYED_OUTPUTS;
    cfn.on(DescribeStacksCommand, { StackName: stackName('dev', 'compute') }).resolves(stack(stackName('dev', 'compute'), withoutSubnet));
    const report = await doctor();
    expect(check(report, 'cluster subnet').detail).toMatch(/^stack clickstream-dev-compute has no ClusterSubnetId output/);
    expect(ec2.calls()).toHaveLength(0);
  });

  it('an EMR Serverless environment needs its application and execution role outputs, and no cluster subnet', async () => {
    const clusterOnly = [OUTPUT_KEYS.emrServiceRole, OUTPUT_KEYS.emrInstanceProfile, OUTPUT_KEYS.clusterSubnetId] as string[];
    const common = Object.fromEntries(Object.entries(DEPLOYED_OUTPUTS).filter(([key]) => !clusterOnly.includes(key)));
    const serverless = { ...common, [OUTPUT_KEYS.compute]: 'emr-serverless', [OUTPUT_KEYS.serverlessApplicationId]: '00fabc123def4567' };
    cfn.on(DescribeStacksCommand, { StackName: stackName('dev', 'compute') }).resolves(stack(stackName('dev', 'compute'), serverless));

    const report = await doctor();

    expect(check(report, 'stack outputs').detail).toMatch(/^the stacks have no ServerlessExecutionRoleArn output: deploy the environment/);
    expect(check(report, 'cluster subnet')).toMatchObject({ status: 'ok', detail: expect.stringContaining('none needed: the environment runs its jobs on EMR Serverless') });
    expect(ec2.calls()).toHaveLength(0);
  });

  it('cluster subnet: a subnet without the EMR managed-policy tag fails with the command that tags it', async () => {
    ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [{ SubnetId: SUBNET, VpcId: 'vpc-0abc', Tags: [{ Key: 'Name', Value: 'emr' }] }] });
    expect(check(await doctor(), 'cluster subnet').detail).toContain(
      `aws ec2 create-tags --resources ${SUBNET} --tags Key=for-use-with-amazon-emr-managed-policies,Value=true`);
  });

  it('cluster subnet: the tag with another value fails too', async () => {
    ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [{ SubnetId: SUBNET, Tags: [{ Key: 'for-use-with-amazon-emr-managed-policies', Value: 'false' }] }] });
    expect(check(await doctor(), 'cluster subnet').detail).toContain('(its value is "false")');
  });

  it('cluster subnet: a subnet that does not exist fails', async () => {
    ec2.on(DescribeSubnetsCommand).rejects(serviceError('InvalidSubnetID.NotFound', `The subnet ID '${SUBNET}' does not exist`, 400));
    expect(check(await doctor(), 'cluster subnet').detail).toBe(`subnet ${SUBNET} (output ClusterSubnetId) does not exist in ${REGION}: deploy the environment again`);
  });

  it('cluster subnet: a denied DescribeSubnets says which request and what to do', async () => {
    ec2.on(DescribeSubnetsCommand).rejects(serviceError('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403));
    expect(check(await doctor(), 'cluster subnet').detail).toMatch(/^ec2:DescribeSubnets on subnet-\w+ was denied \(UnauthorizedOperation: .*\): run doctor with credentials that may read it/);
  });

  it('EMR cleanup role: a missing service-linked role is no failure, since the run role may let EMR create it with the first cluster', async () => {
    iam.on(GetRoleCommand).rejects(serviceError('NoSuchEntity', 'The role with name AWSServiceRoleForEMRCleanup cannot be found.', 404));
    const result = check(await doctor(), 'EMR cleanup role');
    expect(result.status).toBe('ok');
    expect(result.detail).toContain('EMR creates it with the first cluster');
  });

  it('athena workgroup: engine version 2 fails with the update that selects version 3', async () => {
    athena.on(GetWorkGroupCommand).resolves({ WorkGroup: { Name: 'clickstream-dev', State: 'ENABLED', Configuration: { EngineVersion: { SelectedEngineVersion: 'AUTO', EffectiveEngineVersion: 'Athena engine version 2' } } } });
    const detail = check(await doctor(), 'athena workgroup').detail;
    expect(detail).toMatch(/^workgroup clickstream-dev runs Athena engine version 2 \(selected: AUTO\), not Athena engine version 3/);
    expect(detail).toContain('aws athena update-work-group --work-group clickstream-dev');
  });

  it('athena workgroup: AUTO that Athena resolved to version 3 passes', async () => {
    athena.on(GetWorkGroupCommand).resolves({ WorkGroup: { Name: 'clickstream-dev', State: 'ENABLED', Configuration: { EngineVersion: { SelectedEngineVersion: 'AUTO', EffectiveEngineVersion: ATHENA_ENGINE_VERSION } } } });
    expect(check(await doctor(), 'athena workgroup')).toMatchObject({ status: 'ok', detail: 'clickstream-dev: Athena engine version 3 (selected: AUTO)' });
  });

  it('athena workgroup: a disabled or missing workgroup fails', async () => {
    athena.on(GetWorkGroupCommand).resolves({ WorkGroup: { Name: 'clickstream-dev', State: 'DISABLED', Configuration: { EngineVersion: { EffectiveEngineVersion: ATHENA_ENGINE_VERSION } } } });
    expect(check(await doctor(), 'athena workgroup').detail).toMatch(/^workgroup clickstream-dev is disabled/);
    athena.on(GetWorkGroupCommand).rejects(serviceError('InvalidRequestException', 'WorkGroup clickstream-dev is not found.', 400));
    expect(check(await doctor(), 'athena workgroup').detail).toMatch(/^workgroup clickstream-dev was refused \(WorkGroup clickstream-dev is not found.\): deploy the query stack/);
  });

  it('lake formation: a database that leaves new tables to Lake Formation permissions fails', async () => {
    glue.on(GetDatabaseCommand).resolves({ Database: { Name: 'analytics_dev', CreateTableDefaultPermissions: [] } });
    expect(check(await doctor(), 'lake formation').detail).toMatch(/^Glue database analytics_dev leaves new tables to Lake Formation permissions/);
  });

  it('lake formation: a grant short of ALL to IAM_ALLOWED_PRINCIPALS is not IAM-only', async () => {
    glue.on(GetDatabaseCommand).resolves({ Database: { Name: 'analytics_dev', CreateTableDefaultPermissions: [{ Principal: { DataLakePrincipalIdentifier: 'IAM_ALLOWED_PRINCIPALS' }, Permissions: ['SELECT'] }] } });
    expect(check(await doctor(), 'lake formation').status).toBe('fail');
  });

  it('lake formation: a missing database fails', async () => {
    glue.on(GetDatabaseCommand).rejects(serviceError('EntityNotFoundException', 'Database analytics_dev not found.', 400));
    expect(check(await doctor(), 'lake formation').detail).toMatch(/^Glue database analytics_dev does not exist/);
  });

  it('scripts: a version that is not published fails with the publish command', async () => {
    s3.on(HeadObjectCommand).rejects(serviceError('NotFound', 'NotFound', 404));
    const detail = check(await doctor(), 'scripts').detail;
    expect(detail).toMatch(new RegExp(`^s3://clickstream-dev-scripts/spark/${VERSION}/ lacks clickstream_jobs.zip, `));
    expect(detail).toContain(`npx clickstream publish-scripts --environment dev --scripts-version ${VERSION}`);
  });

  it('scripts: a 403 without s3:ListBucket counts as not published (or not readable)', async () => {
    s3.on(HeadObjectCommand).rejects(serviceError('Unknown', 'UnknownError', 403));
    expect(check(await doctor(), 'scripts').detail).toContain('(or they are not readable)');
  });

  it('scripts: says when this checkout\'s scripts are not the deployed ones', async () => {
    const report = await awsDoctor({ environment: 'dev', clients, env: ENV, localScriptsVersion: 'fedcba9876543210' });
    expect(check(report, 'scripts')).toMatchObject({ status: 'ok', detail: expect.stringContaining('this checkout\'s scripts are fedcba9876543210, not deployed yet') });
  });
});
