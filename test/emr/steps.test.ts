import { describe, expect, it } from 'vitest';
import { SCRIPTS_ARCHIVE, scriptsKeyPrefix } from '../../src/config/scripts';
import { buildRunJobFlowRequest } from '../../src/emr/cluster-spec';
import { buildKpiSteps } from '../../src/emr/steps';
import { KPI_JOB_NAMES } from '../../src/kpis/catalog';
import { dayWindow, windowScope } from '../../src/kpis/day-window';
import { buildJobArguments } from '../../src/kpis/job-arguments';
import { sparkCatalogConf, toSparkSubmitConfArgs } from '../../src/kpis/spark-conf';

const locations = {
  bronzePath: 's3://clickstream-dev-bronze-123456789012/events/',
  database: 'analytics',
  warehouse: 's3://clickstream-dev-warehouse-123456789012/warehouse',
};
const scope = windowScope(dayWindow('2026-11-01', '2026-11-03'));
const base = { jobs: KPI_JOB_NAMES, locations, region: 'eu-west-1', scriptsBucket: 'clickstream-dev-scripts-123456789012', scriptsVersion: '0f3c2a9' };

/** What the local runner passes after the script path: the shared builder, called as the local target calls it. */
function localSparkSubmitJobArgs(job: (typeof KPI_JOB_NAMES)[number], withWindow: boolean): string[] {
  return buildJobArguments(job, locations, withWindow ? scope : undefined);
}

describe('KPI steps', () => {
  for (const withWindow of [true, false]) {
    it(`pass each job exactly the job arguments the local runner passes (${withWindow ? 'with' : 'without'} a date window)`, () => {
      const steps = buildKpiSteps({ ...base, ...(withWindow ? { scope } : {}) });
      for (const [i, job] of KPI_JOB_NAMES.entries()) {
        const args = steps[i].HadoopJarStep!.Args!;
        const script = args.findIndex((a) => a.endsWith('.py'));
        expect(args.slice(script + 1)).toEqual(localSparkSubmitJobArgs(job, withWindow));
      }
    });
  }

  it('read every script and the shared module from the pinned version prefix, with the catalog conf the local target uses minus endpoints', () => {
    const [step] = buildKpiSteps({ ...base, jobs: ['event_geo'] });
    const args = step.HadoopJarStep!.Args!;
    expect(step.HadoopJarStep!.Jar).toBe('command-runner.jar');
    expect(args.slice(0, 5)).toEqual([
      'spark-submit', '--deploy-mode', 'cluster', '--py-files', 's3://clickstream-dev-scripts-123456789012/spark/0f3c2a9/clickstream_jobs.zip',
    ]);
    expect(args).toContain('s3://clickstream-dev-scripts-123456789012/spark/0f3c2a9/kpi_event_geo.py');
    const conf = toSparkSubmitConfArgs(sparkCatalogConf({ warehouse: locations.warehouse, region: 'eu-west-1' }));
    expect(args.slice(5, 5 + conf.length)).toEqual(conf);
    expect(args.join(' ')).not.toMatch(/endpoint/);
    expect(step.Name).toBe('clickstream-kpi-event_geo');
    expect(step.ActionOnFailure).toBe('CONTINUE');
  });

  it('read the keys the CDK app and publish-scripts write: the prefix scriptsKeyPrefix() gives the version', () => {
    for (const version of ['0123456789abcdef', '9fceb02d0ae598e95dc970b74767f19372d61af8']) {
      const [step] = buildKpiSteps({ ...base, jobs: ['sensor_health'], scriptsVersion: version });
      const args = step.HadoopJarStep!.Args!;
      const published = `s3://${base.scriptsBucket}/${scriptsKeyPrefix(version)}`;
      expect(args[args.indexOf('--py-files') + 1]).toBe(`${published}${SCRIPTS_ARCHIVE}`);
      expect(args.find((a) => a.endsWith('.py'))).toBe(`${published}kpi_sensor_health.py`);
    }
  });

  it('refuse a version that is not one path segment', () => {
    expect(() => buildKpiSteps({ ...base, scriptsVersion: 'main/../x' })).toThrow('scripts-version must be a git sha or content hash (letters, digits, ".", "_", "-"), got "main/../x".');
    expect(() => buildKpiSteps({ ...base, scriptsVersion: '' })).toThrow(/scripts-version/);
  });
});

describe('cluster spec', () => {
  const options = { name: 'kpis', logUri: 's3://logs/emr/', subnetId: 'subnet-0abc1234def567890' };

  it('defaults to emr-7.12.0 with Spark, Iceberg enabled, two on-demand core nodes and a 30-minute idle limit', () => {
    const request = buildRunJobFlowRequest(options, []);
    expect(request.ReleaseLabel).toBe('emr-7.12.0');
    expect(request.Applications).toEqual([{ Name: 'Spark' }]);
    expect(request.Configurations).toEqual([{ Classification: 'iceberg-defaults', Properties: { 'iceberg.enabled': 'true' } }]);
    expect(request.Instances!.InstanceGroups!.map((g) => [g.InstanceRole, g.Market, g.InstanceType, g.InstanceCount])).toEqual([
      ['MASTER', 'ON_DEMAND', 'm5.xlarge', 1],
      ['CORE', 'ON_DEMAND', 'm5.xlarge', 2],
    ]);
    expect(request.Instances!.KeepJobFlowAliveWhenNoSteps).toBe(false);
    expect(request.AutoTerminationPolicy).toEqual({ IdleTimeout: 1800 });
    expect([request.ServiceRole, request.JobFlowRole]).toEqual(['EMR_DefaultRole', 'EMR_EC2_DefaultRole']);
  });

  it('buys only core nodes on spot, and drops the core group when it has no nodes', () => {
    const spot = buildRunJobFlowRequest({ ...options, useSpotCoreNodes: true, coreInstanceCount: 4 }, []);
    expect(spot.Instances!.InstanceGroups!.map((g) => g.Market)).toEqual(['ON_DEMAND', 'SPOT']);
    const single = buildRunJobFlowRequest({ ...options, coreInstanceCount: 0 }, []);
    expect(single.Instances!.InstanceGroups!.map((g) => g.InstanceRole)).toEqual(['MASTER']);
  });

  // EMR Management Guide, "Service role for Amazon EMR (EMR role)", and AWS Managed Policy Reference,
  // "AmazonEMRServicePolicy_v2" (CreateInTaggedNetwork, CreateEMRTaggedInstancesAndVolumes): the service
  // role launches instances only in a tagged subnet and only when the cluster carries the tag.
  it('launches into the given subnet and carries the managed-policy tag beside its own tags', () => {
    const request = buildRunJobFlowRequest({ ...options, tags: { 'environment': 'dev', 'run-id': '42' } }, []);
    expect(request.Instances!.Ec2SubnetId).toBe('subnet-0abc1234def567890');
    expect(request.Tags).toEqual([
      { Key: 'environment', Value: 'dev' },
      { Key: 'run-id', Value: '42' },
      { Key: 'for-use-with-amazon-emr-managed-policies', Value: 'true' },
    ]);
    expect(buildRunJobFlowRequest(options, []).Tags).toEqual([{ Key: 'for-use-with-amazon-emr-managed-policies', Value: 'true' }]);
  });

  it('refuses a missing or malformed subnet, saying where a tagged one comes from', () => {
    const { subnetId: _, ...noSubnet } = options;
    expect(() => buildRunJobFlowRequest(noSubnet as typeof options, [])).toThrow(
      /^No cluster subnet \(the cluster spec's subnetId\): a transient EMR cluster needs a subnet tagged for-use-with-amazon-emr-managed-policies=true .*output ClusterSubnetId/,
    );
    for (const bad of ['subnet-0abc123', 'sg-0abc1234def567890', 'subnet-0ABC1234DEF567890', ' subnet-0abc1234def567890']) {
      expect(() => buildRunJobFlowRequest({ ...options, subnetId: bad }, [])).toThrow(`Cluster subnet "${bad}" (the cluster spec's subnetId) is not a subnet id`);
    }
    expect(buildRunJobFlowRequest({ ...options, subnetId: 'subnet-1a2b3c4d' }, []).Instances!.Ec2SubnetId).toBe('subnet-1a2b3c4d');
  });

  it('refuses a managed-policy tag other than "true" instead of sending a cluster EMR could not launch', () => {
    expect(() => buildRunJobFlowRequest({ ...options, tags: { 'for-use-with-amazon-emr-managed-policies': 'false' } }, [])).toThrow(
      'Cluster tag for-use-with-amazon-emr-managed-policies=false: AmazonEMRServicePolicy_v2 needs it to be "true"',
    );
  });
});
