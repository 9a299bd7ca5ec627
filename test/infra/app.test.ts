import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, REPOSITORY, Synthesized, synthesize } from './support';
import { ATHENA_ENGINE_VERSION } from '../../infra/stacks/query-stack';
import { BRONZE_ERROR_PREFIX, BRONZE_PREFIX, GLUE_DATABASE, RAW_TABLE, resourceNames } from '../../src/config/names';
import { rawTableParameters, rawTablePartitionKeys } from '../../src/config/raw-table';
import { SCRIPTS_ARCHIVE, scriptsArchive, scriptsKeyPrefix, scriptsVersion } from '../../src/config/scripts';
import { OUTPUT_KEYS, STACK_CONCERNS, stackName } from '../../src/config/stack-outputs';
import { EMR_MANAGED_POLICY_TAG } from '../../src/emr/cluster-network';
import { buildKpiSteps } from '../../src/emr/steps';
import { glueColumns } from '../../src/events/schema';
import { localPaths } from '../../src/local/paths';

const names = resourceNames('dev', ACCOUNT);
let dev: Synthesized;
const templates: Record<string, Template> = {};

beforeAll(() => {
  // One synthesis (with cdk-nag, which throws on any unacknowledged finding) for the whole file.
  dev = synthesize('dev');
  for (const [concern, stack] of Object.entries(dev.stacks)) templates[concern] = Template.fromStack(stack);
});

const bucketLogicalId = (template: Template, bucketName: string) => {
  const found = template.findResources('AWS::S3::Bucket', { Properties: { BucketName: bucketName } });
  expect(Object.keys(found), bucketName).toHaveLength(1);
  return Object.keys(found)[0];
};

describe('storage', () => {
  const buckets = [names.bronzeBucket, names.warehouseBucket, names.scriptsBucket, names.logsBucket, names.athenaResultsBucket];

  it.each(buckets)('%s is encrypted, private, TLS-only and emptied on destroy in dev', (bucketName) => {
    const t = templates.storage;
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: bucketName,
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
    const id = bucketLogicalId(t, bucketName);
    expect(t.toJSON().Resources[id].DeletionPolicy).toBe('Delete');
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: id },
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('expires logs and Athena results, and keeps script versions', () => {
    const t = templates.storage;
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: names.logsBucket,
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 14, Status: 'Enabled' })]) },
    });
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: names.athenaResultsBucket,
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 7 })]) },
    });
    t.hasResourceProperties('AWS::S3::Bucket', { BucketName: names.scriptsBucket, VersioningConfiguration: { Status: 'Enabled' } });
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: names.bronzeBucket,
      LoggingConfiguration: { DestinationBucketName: { Ref: bucketLogicalId(t, names.logsBucket) }, LogFilePrefix: `s3-access/${names.bronzeBucket}/` },
    });
  });
});

describe('catalog', () => {
  it("creates the environment's own database", () => {
    templates.catalog.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: names.glueDatabase } });
    expect(names.glueDatabase).toBe('analytics_dev');
  });

  it("derives the raw table's columns from the event schema and reads bronze's Parquet", () => {
    const tables = templates.catalog.findResources('AWS::Glue::Table');
    const [table] = Object.values(tables) as Array<{ Properties: { TableInput: Record<string, any> } }>;
    const input = table.Properties.TableInput;
    expect(input.Name).toBe(RAW_TABLE);
    expect(input.StorageDescriptor.Columns).toEqual(glueColumns());
    expect(input.StorageDescriptor.Location).toBe(`s3://${names.bronzeBucket}/events/`);
    expect(input.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe('org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe');
    expect(`s3://${names.bronzeBucket}/${BRONZE_PREFIX}`.startsWith(input.StorageDescriptor.Location)).toBe(true);
  });

  it('partitions the raw table by arrival hour with projection, as the local bootstrap does, on the keys Firehose writes', () => {
    const [table] = Object.values(templates.catalog.findResources('AWS::Glue::Table')) as Array<{ Properties: { TableInput: Record<string, any> } }>;
    const input = table.Properties.TableInput;
    const keys = (list: ReadonlyArray<{ Name?: string; Type?: string }>) => list.map((k) => [k.Name, k.Type]);
    expect(keys(input.PartitionKeys)).toEqual(keys(rawTablePartitionKeys()));
    expect(input.Parameters).toMatchObject(rawTableParameters(names.bronzeBucket));
    // Athena docs, partition projection: the template names every projected key; here in Firehose's own key layout.
    expect(input.Parameters['storage.location.template'])
      .toBe(`s3://${names.bronzeBucket}/events/year=\${arrival_year}/month=\${arrival_month}/day=\${arrival_day}/hour=\${arrival_hour}/`);
    expect(input.Parameters['projection.enabled']).toBe('true');
  });
});

describe('ingestion', () => {
  it('creates an encrypted, provisioned Kinesis stream in dev', () => {
    templates.ingestion.hasResourceProperties('AWS::Kinesis::Stream', {
      Name: names.streamName,
      ShardCount: 1,
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
    });
  });

  it('lands the stream in bronze as Parquet under the shared prefixes, converting through the raw table', () => {
    templates.ingestion.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamName: names.deliveryStreamName,
      DeliveryStreamType: 'KinesisStreamAsSource',
      ExtendedS3DestinationConfiguration: Match.objectLike({
        BucketARN: Match.anyValue(),
        Prefix: BRONZE_PREFIX,
        ErrorOutputPrefix: BRONZE_ERROR_PREFIX,
        BufferingHints: { IntervalInSeconds: 60, SizeInMBs: 64 },
        DataFormatConversionConfiguration: Match.objectLike({
          Enabled: true,
          InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: Match.anyValue() } },
          OutputFormatConfiguration: { Serializer: { ParquetSerDe: Match.anyValue() } },
          SchemaConfiguration: Match.objectLike({ VersionId: 'LATEST' }),
        }),
      }),
    });
  });
});

describe('compute', () => {
  it('gives EMR a service role with the scoped v2 policy and an instance profile', () => {
    const t = templates.compute;
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'elasticmapreduce.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } } })] },
      ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AmazonEMRServicePolicy_v2']] }],
    });
    t.resourceCountIs('AWS::IAM::InstanceProfile', 1);
  });

  // AWS Managed Policy Reference, "AmazonEMRServicePolicy_v2": CreateInTaggedNetwork (the subnet) and
  // CreateDefaultSecurityGroupInVPCWithEMRTags (the VPC, where EMR creates its default security groups).
  it('gives clusters a VPC and one private subnet tagged for the v2 policy, and nothing else that tag', () => {
    const t = templates.compute;
    const tag = { Key: EMR_MANAGED_POLICY_TAG.key, Value: EMR_MANAGED_POLICY_TAG.value };
    t.resourceCountIs('AWS::EC2::VPC', 1);
    t.hasResourceProperties('AWS::EC2::VPC', { Tags: Match.arrayWith([tag]) });
    const subnets = t.findResources('AWS::EC2::Subnet');
    expect(Object.values(subnets)).toHaveLength(1);
    const [subnetId] = Object.keys(subnets);
    expect(Object.values(subnets)[0].Properties).toMatchObject({ MapPublicIpOnLaunch: false, Tags: expect.arrayContaining([tag]) });
    // The endpoint's security group must not be one EMR may rewrite (ManageSecurityGroups acts on tagged groups).
    for (const [id, resource] of Object.entries(t.toJSON().Resources as Record<string, { Type: string; Properties?: { Tags?: unknown[] } }>)) {
      if (resource.Type === 'AWS::EC2::VPC' || resource.Type === 'AWS::EC2::Subnet') continue;
      expect(resource.Properties?.Tags ?? [], id).not.toContainEqual(tag);
    }
    expect(t.toJSON().Outputs[OUTPUT_KEYS.clusterSubnetId].Value).toEqual({ Ref: subnetId });
  });

  // EMR Management Guide, "Amazon VPC options" (private subnets need a route to S3); AWS Glue Developer
  // Guide, "Configuring interface VPC endpoints (AWS PrivateLink) for AWS Glue".
  it('reaches S3 through a gateway endpoint and Glue through an interface endpoint, with no internet route or NAT gateway', () => {
    const t = templates.compute;
    const s3 = t.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Gateway' } });
    expect(Object.values(s3)).toHaveLength(1);
    expect(JSON.stringify(Object.values(s3)[0].Properties.ServiceName)).toContain('.s3');
    const routeTables = Object.values(s3)[0].Properties.RouteTableIds as unknown[];
    t.hasResourceProperties('AWS::EC2::SubnetRouteTableAssociation', { RouteTableId: routeTables[0] });
    t.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Interface', PrivateDnsEnabled: true, ServiceName: Match.stringLikeRegexp('\\.glue$') });
    t.resourceCountIs('AWS::EC2::NatGateway', 0);
    t.resourceCountIs('AWS::EC2::InternetGateway', 0);
    t.resourceCountIs('AWS::EC2::Route', 0);
  });

  it('uses an operator\'s subnet named by -c clusterSubnetId instead of creating a network', () => {
    const own = synthesize('staging', { nag: false, context: { clusterSubnetId: 'subnet-0abc1234def567890' } });
    const t = Template.fromStack(own.stacks.compute);
    t.resourceCountIs('AWS::EC2::VPC', 0);
    t.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    expect(t.toJSON().Outputs[OUTPUT_KEYS.clusterSubnetId].Value).toBe('subnet-0abc1234def567890');
    expect(() => synthesize('staging', { nag: false, context: { clusterSubnetId: 'subnet-xyz' } })).toThrow(
      'Cluster subnet "subnet-xyz" is not a subnet id like subnet-0abc1234def567890: fix -c clusterSubnetId=...',
    );
  });

  it('scopes the instance role to the Glue database and no broader managed policy', () => {
    const roles = templates.compute.findResources('AWS::IAM::Role', { Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' } })] } } });
    const [roleId] = Object.keys(roles);
    expect(roles[roleId].Properties.ManagedPolicyArns).toBeUndefined();
    const policies = templates.compute.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } });
    const statements = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Sid?: string; Resource: unknown }>);
    const glue = statements.find((s) => s.Sid === 'IcebergGlueCatalog');
    expect(JSON.stringify(glue?.Resource)).toContain(`:table/${names.glueDatabase}/*`);
    expect(JSON.stringify(glue?.Resource)).not.toContain(`/${GLUE_DATABASE}/`);
  });

  it('publishes the Spark scripts under their content-hash prefix, keeping older versions', () => {
    const version = scriptsVersion(dev.sparkDir);
    templates.compute.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketName: names.scriptsBucket,
      DestinationBucketKeyPrefix: scriptsKeyPrefix(version),
      Prune: false,
    });
    templates.compute.hasOutput(OUTPUT_KEYS.scriptsVersion, { Value: version });
    templates.compute.hasOutput(OUTPUT_KEYS.scriptsUri, { Value: `s3://${names.scriptsBucket}/spark/${version}/` });
  });

  /** The folder the BucketDeployment's asset was staged from, and the prefix it is copied to. */
  const publishedAsset = () => {
    const deployments = Object.values(templates.compute.findResources('Custom::CDKBucketDeployment'));
    expect(deployments).toHaveLength(1);
    const properties = deployments[0].Properties as { SourceObjectKeys: string[]; DestinationBucketKeyPrefix: string };
    const { SourceObjectKeys: keys, DestinationBucketKeyPrefix: prefix } = properties;
    expect(keys).toHaveLength(1);
    const manifest = JSON.parse(fs.readFileSync(path.join(dev.outdir, `${dev.stacks.compute.artifactId}.assets.json`), 'utf8')) as {
      files: Record<string, { source: { path: string; packaging: string }; destinations: Record<string, { objectKey: string }> }>;
    };
    const asset = Object.values(manifest.files).find((f) => Object.values(f.destinations).some((d) => d.objectKey === keys[0]));
    expect(asset?.source.packaging).toBe('zip');
    const dir = path.join(dev.outdir, asset!.source.path);
    expect(fs.statSync(dir).isDirectory()).toBe(true);
    return { dir, prefix };
  };

  it('publishes the package zip beside the scripts, as the zip builder makes it', () => {
    const { dir } = publishedAsset();
    const files = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
    expect(files).toEqual(['clickstream_jobs/__init__.py', SCRIPTS_ARCHIVE, 'kpi_sensor_health.py'].map((f) => f.split('/').join(path.sep)).sort());
    expect(fs.readFileSync(path.join(dir, SCRIPTS_ARCHIVE)).equals(scriptsArchive(dev.sparkDir))).toBe(true);
  });

  it('publishes every object the EMR steps of its version read, at the URIs they read', () => {
    const { dir, prefix } = publishedAsset();
    const version = dev.stacks.compute.scripts.version;
    const steps = buildKpiSteps({
      jobs: ['sensor_health'],
      locations: { bronzePath: names.bronzeUri, database: names.glueDatabase, warehouse: names.warehouseUri },
      region: 'eu-west-1',
      scriptsBucket: names.scriptsBucket,
      scriptsVersion: version,
    });
    const args = steps[0].HadoopJarStep!.Args!;
    const read = [args[args.indexOf('--py-files') + 1], args.find((a) => a.endsWith('.py'))!];
    const published = `s3://${names.scriptsBucket}/${prefix}`;
    expect(read).toEqual([`${published}${SCRIPTS_ARCHIVE}`, `${published}kpi_sensor_health.py`]);
    for (const uri of read) expect(fs.existsSync(path.join(dir, uri.slice(published.length))), uri).toBe(true);
  });
});

describe('query', () => {
  it('creates an engine v3 workgroup with enforced, encrypted results and a scan cutoff', () => {
    templates.query.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: names.athenaWorkgroup,
      WorkGroupConfiguration: {
        EngineVersion: { SelectedEngineVersion: ATHENA_ENGINE_VERSION },
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: 1024 ** 3,
        ResultConfiguration: { OutputLocation: `s3://${names.athenaResultsBucket}/results/`, EncryptionConfiguration: { EncryptionOption: 'SSE_S3' } },
      },
    });
  });
});

describe('ci', () => {
  const trust = (sub: string[]) => Match.objectLike({
    AssumeRolePolicyDocument: {
      Statement: [Match.objectLike({
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com', 'token.actions.githubusercontent.com:sub': sub } },
      })],
    },
  });

  it("trusts GitHub's OIDC issuer", () => {
    templates.ci.hasResourceProperties('AWS::IAM::OIDCProvider', { Url: 'https://token.actions.githubusercontent.com', ClientIdList: ['sts.amazonaws.com'] });
  });

  it("lets only jobs in the dev GitHub environment assume dev's deploy and run roles", () => {
    // GitHub docs, "OpenID Connect reference": a job that references an environment gets the subject repo:<owner>/<repo>:environment:<name>.
    expect(Object.keys(templates.ci.findResources('AWS::IAM::Role', { Properties: trust([`repo:${REPOSITORY}:environment:dev`]) }))).toHaveLength(2);
  });

  it('restricts the run role to clusters tagged with its environment', () => {
    templates.ci.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'CreateTaggedClusters', Condition: { StringEquals: { 'aws:RequestTag/clickstream:environment': 'dev' } } }),
          Match.objectLike({ Sid: 'OperateOwnClusters', Condition: { StringEquals: { 'aws:ResourceTag/clickstream:environment': 'dev' } } }),
        ]),
      },
    });
  });

  // EMR Management Guide, "Using service-linked roles for Amazon EMR for cleanup": EMR creates
  // AWSServiceRoleForEMRCleanup at a cluster launch when it is missing, if the launching entity may.
  it('lets the run role create EMR\'s cleanup service-linked role, and no other', () => {
    templates.ci.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Sid: 'CreateEmrCleanupRole',
          Action: 'iam:CreateServiceLinkedRole',
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${ACCOUNT}:role/aws-service-role/elasticmapreduce.amazonaws.com/AWSServiceRoleForEMRCleanup`]] },
          Condition: { StringEquals: { 'iam:AWSServiceName': 'elasticmapreduce.amazonaws.com' } },
        })]),
      },
    });
  });

  it('lets the deploy role do nothing but assume the CDK bootstrap roles and read the bootstrap stack', () => {
    const policies = templates.ci.findResources('AWS::IAM::Policy', { Properties: { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'AssumeCdkBootstrapRoles' })]) } } });
    const [policy] = Object.values(policies) as Array<{ Properties: { PolicyDocument: { Statement: Array<{ Action: unknown }> } } }>;
    expect(policy.Properties.PolicyDocument.Statement.map((s) => s.Action)).toEqual([['sts:AssumeRole', 'sts:TagSession'], 'cloudformation:DescribeStacks']);
  });
});

describe('the app', () => {
  it('names the stacks by environment and concern', () => {
    expect(Object.values(dev.stacks).map((s) => s.stackName)).toEqual(STACK_CONCERNS.map((c) => stackName('dev', c)));
  });

  it('declares every output the actions and the CLI read (the teardown role is the previews\' only, the EMR Serverless ones a serverless environment\'s)', () => {
    const declared = Object.values(templates).flatMap((t) => Object.keys(t.toJSON().Outputs ?? {}));
    const elsewhere: string[] = [OUTPUT_KEYS.teardownRoleArn, OUTPUT_KEYS.serverlessApplicationId, OUTPUT_KEYS.serverlessExecutionRoleArn];
    expect(declared).toEqual(expect.arrayContaining(Object.values(OUTPUT_KEYS).filter((key) => !elsewhere.includes(key))));
    for (const key of elsewhere) expect(declared).not.toContain(key);
    expect(templates.compute.toJSON().Outputs[OUTPUT_KEYS.compute].Value).toBe('emr');
  });

  it('has no unacknowledged cdk-nag AwsSolutions finding', () => {
    const report = JSON.parse(fs.readFileSync(path.join(dev.outdir, 'validation-report.json'), 'utf8')) as { pluginReports: Array<{ summary: { status: string }; violations?: unknown[] }> };
    for (const plugin of report.pluginReports) expect(plugin.violations ?? []).toEqual([]);
  });

  it('passes cfn-lint with zero errors on every template', () => {
    const cfnLint = path.join(localPaths().venv, 'bin', 'cfn-lint');
    expect(fs.existsSync(cfnLint), `${cfnLint} missing: run \`npx projen setup\``).toBe(true);
    const files = Object.values(dev.stacks).map((s) => path.join(dev.outdir, s.templateFile));
    const run = spawnSync(cfnLint, ['--format', 'json', '--', ...files], { encoding: 'utf8' });
    expect(run.error).toBeUndefined();
    const matches = JSON.parse(run.stdout || '[]') as Array<{ Level: string; Rule: { Id: string }; Message: string; Filename: string }>;
    expect(matches.filter((m) => m.Level === 'Error').map((m) => `${path.basename(m.Filename)} ${m.Rule.Id}: ${m.Message}`)).toEqual([]);
  });
});
