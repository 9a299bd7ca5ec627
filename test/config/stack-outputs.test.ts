import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { OUTPUT_KEYS, outputParameterName, resolveAwsNames, stackName } from '../../src/config/stack-outputs';

const cfn = mockClient(CloudFormationClient);
const client = () => new CloudFormationClient({ region: 'eu-west-1' });
const stack = (name: string, outputs: Record<string, string>) => ({
  Stacks: [{ StackName: name, CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE' as const, Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }],
});
const missing = Object.assign(new Error('Stack with id x does not exist'), { name: 'ValidationError' });

beforeEach(() => {
  cfn.reset();
  cfn.on(DescribeStacksCommand).rejects(missing);
  cfn.on(DescribeStacksCommand, { StackName: stackName('dev', 'storage') }).resolves(stack('storage', {
    [OUTPUT_KEYS.bronzeBucket]: 'b-out',
    [OUTPUT_KEYS.warehouseBucket]: 'w-out',
    [OUTPUT_KEYS.scriptsBucket]: 's-out',
    [OUTPUT_KEYS.logsBucket]: 'l-out',
    [OUTPUT_KEYS.athenaResultsBucket]: 'r-out',
    [OUTPUT_KEYS.bronzeUri]: 's3://b-out/events/',
    [OUTPUT_KEYS.warehouseUri]: 's3://w-out/warehouse',
  }));
  cfn.on(DescribeStacksCommand, { StackName: stackName('dev', 'compute') }).resolves(stack('compute', { [OUTPUT_KEYS.scriptsVersion]: '0123456789abcdef' }));
});

describe('resolveAwsNames', () => {
  it('reads names from the stack outputs and falls back to the convention for the rest', async () => {
    const resolved = await resolveAwsNames({ environment: 'dev', region: 'eu-west-1', cloudFormation: client, env: {} });
    expect(resolved.region).toBe('eu-west-1');
    expect(resolved.names).toMatchObject({ bronzeBucket: 'b-out', warehouseUri: 's3://w-out/warehouse', glueDatabase: 'analytics_dev', streamName: 'clickstream-dev-events' });
    expect(resolved.sources).toMatchObject({ bronzeBucket: 'stack output', streamName: 'naming convention' });
    expect(resolved.outputs[OUTPUT_KEYS.scriptsVersion]).toBe('0123456789abcdef');
  });

  it('lets environment variables win, including AWS_REGION', async () => {
    const resolved = await resolveAwsNames({ environment: 'dev', region: 'us-east-1', cloudFormation: client, env: { AWS_REGION: 'eu-west-1', BRONZE_BUCKET: 'b-env', GLUE_DATABASE: 'db-env' } });
    expect(resolved.region).toBe('eu-west-1');
    expect(resolved.names).toMatchObject({ bronzeBucket: 'b-env', bronzeUri: 's3://b-env/events/', glueDatabase: 'db-env', warehouseBucket: 'w-out' });
    expect(resolved.sources).toMatchObject({ bronzeBucket: 'environment variable', warehouseBucket: 'stack output' });
  });

  it('makes no AWS call when variables name every bucket', async () => {
    const env = { AWS_REGION: 'eu-west-1', BRONZE_BUCKET: 'b', ICEBERG_BUCKET: 'w', SCRIPTS_BUCKET: 's', LOGS_BUCKET: 'l', ATHENA_RESULTS_BUCKET: 'r' };
    const resolved = await resolveAwsNames({ environment: 'dev', cloudFormation: client, env });
    expect(cfn.calls()).toHaveLength(0);
    expect(resolved.names.warehouseUri).toBe('s3://w/warehouse');
  });

  it('says which variable or deployment is missing', async () => {
    cfn.on(DescribeStacksCommand).rejects(missing);
    await expect(resolveAwsNames({ environment: 'prod', region: 'eu-west-1', cloudFormation: client, env: { BRONZE_BUCKET: 'b' } }))
      .rejects.toThrow(/Cannot resolve the AWS names of environment "prod" in eu-west-1: warehouseBucket \(set ICEBERG_BUCKET or deploy output WarehouseBucket\);.*Deploy the stacks \(clickstream-prod-storage,/);
  });

  it('names the buckets no variable or output names by the convention when given the account id', async () => {
    const resolved = await resolveAwsNames({ environment: 'prod', region: 'eu-west-1', accountId: '123456789012', cloudFormation: client, env: { BRONZE_BUCKET: 'b' } });
    expect(resolved.names).toMatchObject({ bronzeBucket: 'b', warehouseBucket: 'clickstream-prod-warehouse-123456789012', warehouseUri: 's3://clickstream-prod-warehouse-123456789012/warehouse' });
    expect(resolved.sources).toMatchObject({ bronzeBucket: 'environment variable', warehouseBucket: 'naming convention' });
  });

  it('fails without a region', async () => {
    await expect(resolveAwsNames({ environment: 'dev', cloudFormation: client, env: {} })).rejects.toThrow(/No AWS region: set AWS_REGION/);
  });

  it('reports other CloudFormation errors with the stack name', async () => {
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Access denied'), { name: 'AccessDenied' }));
    await expect(resolveAwsNames({ environment: 'dev', region: 'eu-west-1', cloudFormation: client, env: {} })).rejects.toThrow(/Reading the outputs of stack clickstream-dev-\w+ in eu-west-1 failed: Access denied/);
  });
});

describe('outputParameterName', () => {
  it('turns output keys into action output names', () => {
    expect(outputParameterName('EmrInstanceProfile')).toBe('emr-instance-profile');
    expect(outputParameterName('BronzeUri')).toBe('bronze-uri');
  });
});
