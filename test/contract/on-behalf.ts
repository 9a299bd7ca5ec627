import { RunJobFlowCommandInput } from '@aws-sdk/client-emr';
import { Authorization } from './request-table';
import { ResourceNames } from '../../src/config/names';
import { bronzeTablePrefix } from '../../src/config/raw-table';
import { KPI_TABLES } from '../../src/kpis/catalog';
import { ACCOUNT, REGION } from '../infra/support';

const EMR_TAG = 'for-use-with-amazon-emr-managed-policies';
/** An object Firehose landed in bronze, under the raw table's prefix. */
const LANDED = `${bronzeTablePrefix()}year=2026/month=01/day=10/hour=00/part.parquet`;
const ec2 = (resource: string) => `arn:aws:ec2:${REGION}:${ACCOUNT}:${resource}`;

/** A subnet as the account has it: its id and tags. */
export interface Subnet {
  readonly id: string;
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * What the EMR service role asks of EC2 and IAM to start the cluster a RunJobFlow describes
 * (EMR Management Guide, "Service role for Amazon EMR (EMR role)": with AmazonEMRServicePolicy_v2
 * EMR creates instances, launch templates and network interfaces tagged with the cluster's tags, in
 * the request's subnet, with the security groups it creates tagged
 * `for-use-with-amazon-emr-managed-policies=true`; and passes the instance profile's role to EC2).
 * The cluster's tags are the request's; the subnet's tags are the account's (`subnets`). Without
 * Instances.Ec2SubnetId EMR uses the default VPC, whose subnets carry no EMR tag.
 */
export function emrServiceRequests(request: RunJobFlowCommandInput, subnets: readonly Subnet[]): Authorization[] {
  const tags = Object.fromEntries((request.Tags ?? []).map((t) => [`aws:RequestTag/${t.Key}`, t.Value ?? '']));
  const tagKeys = { 'aws:TagKeys': (request.Tags ?? []).map((t) => t.Key!) };
  const subnetId = request.Instances?.Ec2SubnetId ?? 'subnet-default0vpc0000';
  const subnetTags = subnets.find((s) => s.id === subnetId)?.tags ?? {};
  const subnet = { resource: ec2(`subnet/${subnetId}`), context: Object.fromEntries(Object.entries(subnetTags).map(([k, v]) => [`aws:ResourceTag/${k}`, v])) };
  const emrSecurityGroup = { resource: ec2('security-group/sg-0emrmanaged000000'), context: { [`aws:ResourceTag/${EMR_TAG}`]: 'true' } };
  const created = { ...tags, ...tagKeys };
  const runInstances = [
    { resource: ec2('instance/i-0emrnode000000000'), context: created },
    { resource: ec2('volume/vol-0emrnode000000000'), context: created },
    { resource: ec2('network-interface/eni-0emrnode00000000'), context: created },
    { resource: `arn:aws:ec2:${REGION}::image/ami-0emrrelease000000`, context: {} },
    subnet,
    emrSecurityGroup,
  ].map((r) => ({ action: 'ec2:RunInstances', ...r }));
  const instanceRole = request.JobFlowRole!;
  return [
    { action: 'ec2:CreateLaunchTemplate', resource: ec2('launch-template/lt-0emrnode000000000'), context: created },
    ...runInstances,
    { action: 'ec2:CreateNetworkInterface', resource: ec2('network-interface/eni-0emrnode00000000'), context: created },
    { action: 'ec2:CreateNetworkInterface', ...subnet },
    { action: 'ec2:CreateNetworkInterface', ...emrSecurityGroup },
    ...['instance/i-0emrnode000000000', 'volume/vol-0emrnode000000000', 'network-interface/eni-0emrnode00000000']
      .map((resource) => ({ action: 'ec2:CreateTags', resource: ec2(resource), context: { ...created, 'ec2:CreateAction': 'RunInstances' } })),
    { action: 'iam:PassRole', resource: `arn:aws:iam::${ACCOUNT}:role/${instanceRole}`, context: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
  ];
}

/**
 * What the cluster's instance role asks of Glue and S3 when the KPI jobs write Iceberg tables through
 * the Glue catalog with S3FileIO (Iceberg's AWS integration docs, "Glue Catalog": the catalog reads
 * the database and table, creates the table, and commits by UpdateTable; data and metadata files are
 * written, read, listed and, on expiry, deleted under the warehouse), and reading bronze and scripts.
 */
export function icebergJobRequests(names: ResourceNames): Authorization[] {
  const glue = (resource: string) => `arn:aws:glue:${REGION}:${ACCOUNT}:${resource}`;
  const table = KPI_TABLES.sensor_health.name;
  const tablePath = `warehouse/${names.glueDatabase}.db/${table}`;
  const catalog = ['catalog', `database/${names.glueDatabase}`, `table/${names.glueDatabase}/${table}`].map(glue);
  const onTable = (action: string) => catalog.map((resource) => ({ action, resource, context: {} }));
  const s3 = (action: string, key: string) => ({ action, resource: `arn:aws:s3:::${key}`, context: {} });
  return [
    ...['glue:GetDatabase'].flatMap((action) => catalog.slice(0, 2).map((resource) => ({ action, resource, context: {} }))),
    ...['glue:GetTable', 'glue:CreateTable', 'glue:UpdateTable'].flatMap(onTable),
    s3('s3:ListBucket', names.warehouseBucket),
    s3('s3:GetObject', `${names.warehouseBucket}/${tablePath}/metadata/00000-0.metadata.json`),
    s3('s3:PutObject', `${names.warehouseBucket}/${tablePath}/data/part-00000.parquet`),
    s3('s3:DeleteObject', `${names.warehouseBucket}/${tablePath}/metadata/snap-0.avro`),
    s3('s3:ListBucket', names.bronzeBucket),
    s3('s3:GetObject', `${names.bronzeBucket}/${LANDED}`),
    s3('s3:GetObject', `${names.scriptsBucket}/spark/abc1234/kpi_sensor_health.py`),
  ];
}

/**
 * What the publisher (spark/clickstream_jobs/publish.py: PyIceberg's Glue catalog, run by the publish
 * action with the run role) asks: it lists the database's tables, loads each (GetTable, then its
 * metadata file), scans the verdicts table's files, and commits each table (a new metadata file under
 * metadata/, then UpdateTable). PyIceberg docs, "Configuration", Glue Catalog; Iceberg's Glue commit.
 */
export function publisherRequests(names: ResourceNames): Authorization[] {
  const glue = (resource: string) => `arn:aws:glue:${REGION}:${ACCOUNT}:${resource}`;
  const database = ['catalog', `database/${names.glueDatabase}`].map(glue);
  const s3 = (action: string, key: string) => ({ action, resource: `arn:aws:s3:::${key}`, context: {} });
  return Object.values(KPI_TABLES).flatMap(({ name: table }) => {
    const tablePath = `warehouse/${names.glueDatabase}.db/${table}`;
    const onTable = (action: string) => [...database, glue(`table/${names.glueDatabase}/${table}`)].map((resource) => ({ action, resource, context: {} }));
    return [
      ...onTable('glue:GetTable'),
      ...onTable('glue:UpdateTable'),
      s3('s3:GetObject', `${names.warehouseBucket}/${tablePath}/metadata/00001-1.metadata.json`),
      s3('s3:PutObject', `${names.warehouseBucket}/${tablePath}/metadata/00002-2.metadata.json`),
    ];
  }).concat(database.map((resource) => ({ action: 'glue:GetTables', resource, context: {} })));
}

/**
 * What Firehose asks with its roles to deliver the stream into bronze as Parquet (Amazon Data
 * Firehose Developer Guide, "Controlling access with Amazon Data Firehose": reading a Kinesis data
 * stream source, "Grant Firehose access to an Amazon S3 destination", and the Glue table of record
 * format conversion).
 */
export function firehoseRequests(names: ResourceNames, rawTable: string): { source: Authorization[]; destination: Authorization[] } {
  const stream = `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${names.streamName}`;
  const glue = (resource: string) => `arn:aws:glue:${REGION}:${ACCOUNT}:${resource}`;
  return {
    source: ['kinesis:DescribeStreamSummary', 'kinesis:ListShards', 'kinesis:GetShardIterator', 'kinesis:GetRecords']
      .map((action) => ({ action, resource: stream, context: {} })),
    destination: [
      ...['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'].flatMap((action) =>
        ['catalog', `database/${names.glueDatabase}`, `table/${names.glueDatabase}/${rawTable}`].map((r) => ({ action, resource: glue(r), context: {} }))),
      { action: 's3:PutObject', resource: `arn:aws:s3:::${names.bronzeBucket}/${LANDED}`, context: {} },
      { action: 's3:AbortMultipartUpload', resource: `arn:aws:s3:::${names.bronzeBucket}/${LANDED}`, context: {} },
      { action: 's3:ListBucket', resource: `arn:aws:s3:::${names.bronzeBucket}`, context: {} },
      { action: 's3:GetBucketLocation', resource: `arn:aws:s3:::${names.bronzeBucket}`, context: {} },
    ],
  };
}

/**
 * What Athena asks, with the credentials of the role that starts the query, to run our statements
 * (Athena User Guide, "Identity and access management in Athena": running a query needs the Amazon S3
 * locations of the data and the AWS Glue Data Catalog metadata it reads, besides Athena's own
 * actions; "Specify a query result location using a workgroup": every user of the workgroup must have
 * access to its result location). Derived from the statements' text: every table a statement names
 * is looked up in Glue (GetDatabase, GetTable) and read from S3 under its location (ListBucket,
 * GetObject); `information_schema` lists the database's tables (GetTables); an `INSERT INTO` an
 * Iceberg table writes data and metadata files under its location and commits with UpdateTable
 * ("Query Apache Iceberg tables", "Update Iceberg table data"). The raw table is partition-projected,
 * so Athena lists its prefix instead of asking Glue for partitions. Each query's result goes to the
 * workgroup's result location (PutObject, then GetObject for GetQueryResults; GetBucketLocation).
 */
export function athenaQueryRequests(
  statements: readonly string[],
  names: ResourceNames,
  where: { readonly rawTable: string; readonly rawPrefix: string; readonly resultsPrefix: string },
): Authorization[] {
  const glue = (resource: string) => `arn:aws:glue:${REGION}:${ACCOUNT}:${resource}`;
  const s3 = (action: string, key: string) => ({ action, resource: `arn:aws:s3:::${key}`, context: {} });
  const database = ['catalog', `database/${names.glueDatabase}`].map(glue);
  const location = (table: string) => (table === where.rawTable
    ? { bucket: names.bronzeBucket, prefix: where.rawPrefix }
    : { bucket: names.warehouseBucket, prefix: `warehouse/${names.glueDatabase}.db/${table}/` });
  // "catalog"."database"."table" or "table$refs" (a metadata table reads its table's metadata files).
  const reference = /"awsdatacatalog"\."([^"]+)"\."([^"$]+)(?:\$[a-z_]+)?"/g;
  return statements.flatMap((statement, index) => {
    const result = `${names.athenaResultsBucket}/${where.resultsPrefix}q-${index}.csv`;
    const requests: Authorization[] = [
      s3('s3:GetBucketLocation', names.athenaResultsBucket),
      s3('s3:PutObject', result),
      s3('s3:GetObject', result),
    ];
    const inserted = /^\s*INSERT INTO "awsdatacatalog"\."[^"]+"\."([^"]+)"/.exec(statement)?.[1];
    if (statement.includes('information_schema')) {
      requests.push(...['glue:GetDatabase', 'glue:GetTables'].flatMap((action) => database.map((resource) => ({ action, resource, context: {} }))));
    }
    for (const [, schema, table] of statement.matchAll(reference)) {
      if (schema === 'information_schema') continue;
      if (schema !== names.glueDatabase) throw new Error(`A statement reads ${schema}.${table}, outside the environment's database ${names.glueDatabase}: ${statement.slice(0, 200)}`);
      const onTable = (action: string) => [...database, glue(`table/${schema}/${table}`)].map((resource) => ({ action, resource, context: {} }));
      const { bucket, prefix } = location(table);
      requests.push(
        ...database.map((resource) => ({ action: 'glue:GetDatabase', resource, context: {} })),
        ...onTable('glue:GetTable'),
        s3('s3:ListBucket', bucket),
        s3('s3:GetObject', `${bucket}/${prefix}${table === where.rawTable ? 'year=2026/month=01/day=10/hour=00/part.parquet' : 'metadata/00001-1.metadata.json'}`),
      );
      if (table === inserted) {
        requests.push(
          ...onTable('glue:UpdateTable'),
          s3('s3:PutObject', `${bucket}/${prefix}data/part-00000.parquet`),
          s3('s3:PutObject', `${bucket}/${prefix}metadata/00002-2.metadata.json`),
        );
      }
    }
    return requests;
  });
}

/**
 * What the CDK toolkit asks with a deploy role: it assumes the account's bootstrap roles, which hold the
 * deployment permissions (AWS CDK Developer Guide, "Bootstrapping": the deploy role that CloudFormation
 * deployments start with, the file publishing role that uploads assets, the lookup role that reads
 * context; each named cdk-<qualifier>-<purpose>-<account>-<region>).
 */
export function cdkToolkitRequests(qualifier: string): Authorization[] {
  return ['deploy-role', 'file-publishing-role', 'lookup-role']
    .map((purpose) => ({ action: 'sts:AssumeRole', resource: `arn:aws:iam::${ACCOUNT}:role/cdk-${qualifier}-${purpose}-${ACCOUNT}-${REGION}`, context: {} }));
}
