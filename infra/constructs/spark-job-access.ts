import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { glueDatabaseArns, pipelineBucket } from './imports';
import { acknowledgeWildcards, arnFinding, bucketObjectsFinding, S3_GRANT_ACTIONS } from './nag';
import { ResourceNames } from '../../src/config/names';

export interface SparkJobAccessProps {
  readonly names: ResourceNames;
  /** Key prefix of the logs bucket the jobs' logs are written under (`emr/`, `emr-serverless/`). */
  readonly logPrefix: string;
  /** What runs the jobs, as the reasons of the reviewed wildcards name it: "EMR clusters". */
  readonly runner: string;
}

/**
 * What the KPI jobs need, whatever runs them (an EMR cluster's instance role, an EMR Serverless job
 * execution role): read bronze and the published scripts, read and write the Iceberg warehouse, write
 * their logs under one prefix of the logs bucket, and use the Glue catalog of the environment's database
 * only. One copy of the rule, so both computes' roles stay scoped alike.
 */
export function grantSparkJobAccess(role: iam.Role, props: SparkJobAccessProps): void {
  const stack = Stack.of(role);
  const { names, logPrefix, runner } = props;
  const bucket = (b: Parameters<typeof pipelineBucket>[2]) => pipelineBucket(stack, names, b);
  bucket('bronzeBucket').grantRead(role);
  bucket('scriptsBucket').grantRead(role);
  bucket('warehouseBucket').grantReadWrite(role);
  bucket('logsBucket').grantPut(role, `${logPrefix}*`);
  role.addToPolicy(new iam.PolicyStatement({
    sid: 'IcebergGlueCatalog',
    actions: [
      'glue:GetDatabase', 'glue:GetDatabases',
      'glue:GetTable', 'glue:GetTables', 'glue:CreateTable', 'glue:UpdateTable', 'glue:DeleteTable',
      'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition',
    ],
    resources: glueDatabaseArns(stack, names.glueDatabase),
  }));
  acknowledgeWildcards(role, [
    { finding: S3_GRANT_ACTIONS, reason: `Bucket grants of the Spark jobs on ${runner}: Spark reads bronze and scripts, Iceberg reads, writes and expires warehouse files.` },
    { finding: bucketObjectsFinding(bucket('bronzeBucket')), reason: 'The KPI jobs read every bronze partition in their window.' },
    { finding: bucketObjectsFinding(bucket('scriptsBucket')), reason: `${runner} read the script version they were given.` },
    { finding: bucketObjectsFinding(bucket('warehouseBucket')), reason: 'Iceberg manages data and metadata files across the warehouse.' },
    { finding: bucketObjectsFinding(bucket('logsBucket'), `${logPrefix}*`), reason: `${runner} upload their logs under ${logPrefix}, in folders named by generated ids.` },
    { finding: arnFinding(stack, glueDatabaseArns(stack, names.glueDatabase)[2]), reason: 'The KPI jobs create and update their Iceberg tables in this database only.' },
  ]);
}
