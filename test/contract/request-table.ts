import { ACCOUNT, REGION } from '../infra/support';

/** One SDK request as our code (or a mock's record of it) sends it. */
export interface SentRequest {
  /** The SDK v3 command's name, e.g. `RunJobFlowCommand`. */
  readonly command: string;
  readonly input: Readonly<Record<string, unknown>>;
}

/** What IAM authorizes for it: an action on a resource with condition keys (principal added by the caller). */
export interface Authorization {
  readonly action: string;
  readonly resource: string;
  readonly context: Readonly<Record<string, string | readonly string[]>>;
}

/** A security group as the account has it: its VPC and tags. */
export interface SecurityGroupState {
  readonly vpcId: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** What the table knows of the account beyond the request: the tags of the clusters it names, and its security groups. */
export interface AccountState {
  readonly clusterTags: (clusterId: string) => Readonly<Record<string, string>>;
  readonly securityGroup?: (groupId: string) => SecurityGroupState;
  /** The workgroup an Athena query ran in (Athena authorizes every query action on its workgroup). */
  readonly queryWorkgroup?: (queryExecutionId: string) => string;
  /** The tags of an EMR Serverless application. */
  readonly applicationTags?: (applicationId: string) => Readonly<Record<string, string>>;
  /** The tags of an EMR Serverless job run (its own: an application's do not propagate to its job runs). */
  readonly jobRunTags?: (applicationId: string, jobRunId: string) => Readonly<Record<string, string>>;
}

const arn = (service: string, resource: string, region = REGION) => `arn:aws:${service}:${region}:${ACCOUNT}:${resource}`;
const roleArn = (name: string) => (name.startsWith('arn:') ? name : arn('iam', `role/${name}`, ''));
const clusterArn = (id: string) => arn('elasticmapreduce', `cluster/${id}`);
const resourceTags = (tags: Readonly<Record<string, string>>) => Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:ResourceTag/${k}`, v]));
const requestTags = (tags: ReadonlyArray<{ Key?: string; Value?: string }>) => ({
  ...Object.fromEntries(tags.map((t) => [`aws:RequestTag/${t.Key}`, t.Value ?? ''])),
  'aws:TagKeys': tags.map((t) => t.Key!),
});
const onCluster = (action: string) => (input: Record<string, unknown>, state: AccountState) => {
  const ids = (input.ClusterId ? [input.ClusterId] : input.JobFlowIds) as string[];
  return ids.map((id) => ({ action, resource: clusterArn(id), context: resourceTags(state.clusterTags(id)) }));
};
const stackArn = (name: string) => (name.startsWith('arn:') ? name : arn('cloudformation', `stack/${name}/00000000-0000-0000-0000-000000000000`));

/** An action on a security group, with the group's VPC (`ec2:Vpc`) and tags as IAM sees them. */
const onSecurityGroup = (action: string) => (input: Record<string, unknown>, state: AccountState) => {
  const groupId = input.GroupId as string;
  const group = state.securityGroup?.(groupId);
  if (!group) throw new Error(`${action} on ${groupId}: the contract's account state does not know the group.`);
  return [{ action, resource: arn('ec2', `security-group/${groupId}`), context: { 'ec2:Vpc': arn('ec2', `vpc/${group.vpcId}`), ...resourceTags(group.tags) } }];
};

/** An action on an Athena query, authorized on the workgroup it ran in. */
const onQuery = (action: string) => (input: Record<string, unknown>, state: AccountState) => {
  const workgroup = state.queryWorkgroup?.(input.QueryExecutionId as string);
  if (!workgroup) throw new Error(`${action} of ${String(input.QueryExecutionId)}: the contract's account state does not know the query's workgroup.`);
  return [{ action, resource: arn('athena', `workgroup/${workgroup}`), context: {} }];
};

/** An EMR Serverless application's ARN and the tags IAM sees on it. */
const onApplication = (action: string) => (input: Record<string, unknown>, state: AccountState): Authorization[] => {
  const id = input.applicationId as string;
  const tags = state.applicationTags?.(id);
  if (!tags) throw new Error(`${action} on application ${id}: the contract's account state does not know its tags.`);
  return [{ action, resource: arn('emr-serverless', `/applications/${id}`), context: resourceTags(tags) }];
};

/** An EMR Serverless job run's ARN and the tags IAM sees on it. */
const onJobRun = (action: string) => (input: Record<string, unknown>, state: AccountState): Authorization[] => {
  const [applicationId, jobRunId] = [input.applicationId as string, input.jobRunId as string];
  const tags = state.jobRunTags?.(applicationId, jobRunId);
  if (!tags) throw new Error(`${action} on job run ${jobRunId}: the contract's account state does not know its tags.`);
  return [{ action, resource: arn('emr-serverless', `/applications/${applicationId}/jobruns/${jobRunId}`), context: resourceTags(tags) }];
};

type Mapping = (input: Record<string, unknown>, state: AccountState) => Authorization[];

/**
 * Each SDK command our code sends, to the IAM actions, resources and condition keys that authorize
 * it, from the Service Authorization Reference ("Actions, resources, and condition keys for ..."):
 * Amazon Elastic MapReduce, Amazon EC2, AWS Glue, Amazon S3, Amazon Kinesis Data Streams, Amazon
 * Data Firehose, Amazon Athena, AWS CloudFormation, AWS Security Token Service, AWS Identity and
 * Access Management. An action whose Resource types column is empty takes `*` (RunJobFlow,
 * ListClusters, ListStacks); one that creates a resource is authorized on an id it will have.
 * RunJobFlow also needs iam:PassRole on its service role and on its instance profile's role (EMR
 * Management Guide, "Configure IAM service roles for Amazon EMR permissions to AWS services and
 * resources": the caller passes both). Amazon EMR Serverless (API Reference, StartJobRun, GetJobRun,
 * CancelJobRun, GetApplication, StopApplication): StartJobRun, GetApplication and StopApplication act on the application
 * (`arn:aws:emr-serverless:<region>:<account>:/applications/<id>`, with its tags), GetJobRun and
 * CancelJobRun on the job run (`.../applications/<id>/jobruns/<id>`, with the job run's tags);
 * StartJobRun's `tags` are its request tags, and it passes the job execution role to EMR Serverless
 * (EMR Serverless User Guide, "Job runtime roles for Amazon EMR Serverless").
 */
export const REQUEST_TABLE: Readonly<Record<string, Mapping>> = {
  RunJobFlowCommand: (input) => [
    { action: 'elasticmapreduce:RunJobFlow', resource: '*', context: requestTags((input.Tags ?? []) as Array<{ Key: string; Value: string }>) },
    { action: 'iam:PassRole', resource: roleArn(input.ServiceRole as string), context: { 'iam:PassedToService': 'elasticmapreduce.amazonaws.com' } },
    // The instance profile is named after its role (infra/stacks/compute-stack.ts).
    { action: 'iam:PassRole', resource: roleArn(input.JobFlowRole as string), context: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
  ],
  StartJobRunCommand: (input, state): Authorization[] => {
    const [start] = onApplication('emr-serverless:StartJobRun')(input, state);
    const tags = Object.entries((input.tags ?? {}) as Record<string, string>).map(([Key, Value]) => ({ Key, Value }));
    return [
      { ...start, context: { ...start.context, ...requestTags(tags) } },
      { action: 'iam:PassRole', resource: roleArn(input.executionRoleArn as string), context: { 'iam:PassedToService': 'emr-serverless.amazonaws.com' } },
    ];
  },
  GetApplicationCommand: onApplication('emr-serverless:GetApplication'),
  StopApplicationCommand: onApplication('emr-serverless:StopApplication'),
  // Service Authorization Reference, EMR Serverless: ListJobRuns acts on the application.
  ListJobRunsCommand: onApplication('emr-serverless:ListJobRuns'),
  GetJobRunCommand: onJobRun('emr-serverless:GetJobRun'),
  CancelJobRunCommand: onJobRun('emr-serverless:CancelJobRun'),
  DescribeClusterCommand: onCluster('elasticmapreduce:DescribeCluster'),
  AddJobFlowStepsCommand: (input, state) => onCluster('elasticmapreduce:AddJobFlowSteps')({ ClusterId: input.JobFlowId }, state),
  ListStepsCommand: onCluster('elasticmapreduce:ListSteps'),
  DescribeStepCommand: onCluster('elasticmapreduce:DescribeStep'),
  CancelStepsCommand: onCluster('elasticmapreduce:CancelSteps'),
  ListInstancesCommand: onCluster('elasticmapreduce:ListInstances'),
  TerminateJobFlowsCommand: onCluster('elasticmapreduce:TerminateJobFlows'),
  ListClustersCommand: () => [{ action: 'elasticmapreduce:ListClusters', resource: '*', context: {} }],
  DescribeStacksCommand: (input) => [{ action: 'cloudformation:DescribeStacks', resource: stackArn(input.StackName as string), context: {} }],
  DeleteStackCommand: (input) => [{ action: 'cloudformation:DeleteStack', resource: stackArn(input.StackName as string), context: {} }],
  ListStacksCommand: () => [{ action: 'cloudformation:ListStacks', resource: '*', context: {} }],
  ListStackResourcesCommand: (input) => [{ action: 'cloudformation:ListStackResources', resource: stackArn(input.StackName as string), context: {} }],
  PutRecordsCommand: (input) => [{ action: 'kinesis:PutRecords', resource: arn('kinesis', `stream/${input.StreamName}`), context: {} }],
  // Service Authorization Reference, "Actions, resources, and condition keys for Amazon Data Firehose": the deliverystream resource.
  DescribeDeliveryStreamCommand: (input) => [{ action: 'firehose:DescribeDeliveryStream', resource: arn('firehose', `deliverystream/${input.DeliveryStreamName}`), context: {} }],
  DescribeStreamSummaryCommand: (input) => [{ action: 'kinesis:DescribeStreamSummary', resource: arn('kinesis', `stream/${input.StreamName}`), context: {} }],
  GetObjectCommand: (input) => [{ action: 's3:GetObject', resource: `arn:aws:s3:::${input.Bucket}/${input.Key}`, context: {} }],
  PutObjectCommand: (input) => [{ action: 's3:PutObject', resource: `arn:aws:s3:::${input.Bucket}/${input.Key}`, context: {} }],
  // ListObjectsV2 is authorized as s3:ListBucket on the bucket, its Prefix as the s3:prefix condition key.
  ListObjectsV2Command: (input) => [{ action: 's3:ListBucket', resource: `arn:aws:s3:::${input.Bucket}`, context: input.Prefix ? { 's3:prefix': input.Prefix as string } : ({} as Record<string, string>) }],
  // HEAD Object is authorized as s3:GetObject (Amazon S3 API Reference, "HeadObject": "you must have the s3:GetObject permission").
  HeadObjectCommand: (input) => [{ action: 's3:GetObject', resource: `arn:aws:s3:::${input.Bucket}/${input.Key}`, context: {} }],
  GetCallerIdentityCommand: () => [{ action: 'sts:GetCallerIdentity', resource: '*', context: {} }],
  DescribeSubnetsCommand: () => [{ action: 'ec2:DescribeSubnets', resource: '*', context: {} }],
  DescribeSecurityGroupsCommand: () => [{ action: 'ec2:DescribeSecurityGroups', resource: '*', context: {} }],
  DescribeSecurityGroupRulesCommand: () => [{ action: 'ec2:DescribeSecurityGroupRules', resource: '*', context: {} }],
  DescribeNetworkInterfacesCommand: () => [{ action: 'ec2:DescribeNetworkInterfaces', resource: '*', context: {} }],
  RevokeSecurityGroupIngressCommand: onSecurityGroup('ec2:RevokeSecurityGroupIngress'),
  RevokeSecurityGroupEgressCommand: onSecurityGroup('ec2:RevokeSecurityGroupEgress'),
  DeleteSecurityGroupCommand: onSecurityGroup('ec2:DeleteSecurityGroup'),
  GetRoleCommand: (input) => [{ action: 'iam:GetRole', resource: roleArn(input.RoleName as string), context: {} }],
  StartQueryExecutionCommand: (input) => [{ action: 'athena:StartQueryExecution', resource: arn('athena', `workgroup/${input.WorkGroup}`), context: {} }],
  GetQueryExecutionCommand: onQuery('athena:GetQueryExecution'),
  GetQueryResultsCommand: onQuery('athena:GetQueryResults'),
  StopQueryExecutionCommand: onQuery('athena:StopQueryExecution'),
  GetWorkGroupCommand: (input) => [{ action: 'athena:GetWorkGroup', resource: arn('athena', `workgroup/${input.WorkGroup}`), context: {} }],
  GetDatabaseCommand: (input) => [
    { action: 'glue:GetDatabase', resource: arn('glue', 'catalog'), context: {} },
    { action: 'glue:GetDatabase', resource: arn('glue', `database/${input.Name}`), context: {} },
  ],
};

/** The authorizations of one request; a command the table does not know fails the contract. */
export function authorizationsOf(request: SentRequest, state: AccountState): Authorization[] {
  const mapping = REQUEST_TABLE[request.command];
  if (!mapping) throw new Error(`${request.command} has no row in the permission contract's request table (test/contract/request-table.ts): add its IAM action, resource and condition keys from the Service Authorization Reference.`);
  return mapping(request.input as Record<string, unknown>, state);
}
