import { describe, expect, it } from 'vitest';
import { resourceNames } from '../../src/config/names';
import { emrRunOptions, parseEmrRunInputs, validateEmrRunInputs } from '../../src/emr/run-inputs';
import { dayWindow } from '../../src/kpis/day-window';

const SUBNET = 'subnet-0abc1234def567890';
const valid = { 'account-id': '123456789012', 'region': 'eu-west-1', 'scripts-version': 'abc123', 'subnet-id': SUBNET };

describe('parseEmrRunInputs', () => {
  it('lists every problem at once, each naming the input and what to change', () => {
    expect(() => parseEmrRunInputs({
      'mode': 'existing',
      'core-instance-count': 'two',
      'use-spot': 'yes',
      'jobs': 'sensor_health,churn',
      'from-date': '2026-11-05',
      'to-date': '2026-11-01',
      'timeout-minutes': '0',
      'scripts-version': 'v1/../../x',
    }, {}, {})).toThrow([
      'Invalid run-emr-kpis input:',
      '- core-instance-count: must be a whole number of core nodes (got "two")',
      '- use-spot: must be true or false (got "yes")',
      '- timeout-minutes: must be from 1 to 1440 minutes (got "0")',
      '- jobs: Unknown KPI job(s): churn. Valid jobs: sensor_health, temp_humidity, event_geo (or "all").',
      '- from-date (2026-11-05) is after to-date (2026-11-01); swap them or widen the window.',
      '- scripts-version: scripts-version must be a git sha or content hash (letters, digits, ".", "_", "-"), got "v1/../../x".',
      '- cluster-id: mode "existing" needs the id of the cluster to add steps to (j-...).',
      '- account-id: bucket names end with the account id; set account-id, or set scripts-bucket, log-bucket, bronze-bucket, warehouse-bucket.',
      '- region: set region (or AWS_REGION, as aws-actions/configure-aws-credentials does).',
    ].join('\n'));
  });

  it('does not report a given region missing when another input is invalid', () => {
    expect(() => parseEmrRunInputs({ ...valid, 'timeout-minutes': 'abc' }, {}, {})).toThrow(
      'Invalid run-emr-kpis input:\n- timeout-minutes: must be a whole number of minutes (got "abc")',
    );
    expect(() => parseEmrRunInputs({ ...valid, 'timeout-minutes': 'abc' }, {}, {})).not.toThrow(/region/);
  });

  it('asks for both ends of a date window', () => {
    expect(() => parseEmrRunInputs({ ...valid, 'from-date': '2026-11-01' }, {}, {})).toThrow('from-date and to-date go together: give both (UTC days, inclusive), or neither to process every day.');
  });

  it('uses the environment\'s resource names, the region from AWS_REGION and explicit buckets over derived ones', () => {
    const { region, options } = parseEmrRunInputs({ ...valid, 'region': '', 'environment': 'staging', 'log-bucket': 'central-emr-logs' }, {}, { AWS_REGION: 'us-west-2' });
    expect(region).toBe('us-west-2');
    expect(options.steps.locations).toEqual({
      bronzePath: 's3://clickstream-staging-bronze-123456789012/events/',
      // Staging's own database: the seed's `analytics` is prod's.
      database: 'analytics_staging',
      warehouse: 's3://clickstream-staging-warehouse-123456789012/warehouse',
    });
    expect(options.steps.scriptsBucket).toBe('clickstream-staging-scripts-123456789012');
    expect(options.target.mode === 'transient' && options.target.cluster.logUri).toBe('s3://central-emr-logs/emr/');
    expect(options.timeoutMs).toBe(3_600_000);
  });

  it('needs no account id when every bucket is given', () => {
    const { options } = parseEmrRunInputs({
      'region': 'eu-west-1', 'scripts-version': 'abc', 'subnet-id': SUBNET, 'scripts-bucket': 's', 'log-bucket': 'l', 'bronze-bucket': 'b', 'warehouse-bucket': 'w',
    }, {}, {});
    expect(options.steps.locations.bronzePath).toBe('s3://b/events/');
  });

  it('leaves the scripts version, buckets and roles to the stack outputs when asked, explicit inputs winning', () => {
    const run = validateEmrRunInputs({ 'region': 'eu-west-1', 'instance-profile': 'mine' }, {}, { namesFromStack: true });
    expect(run.scriptsVersion).toBeUndefined();
    const options = emrRunOptions(run, resourceNames('dev', '123456789012'), { runId: '7' }, {
      scriptsVersion: 'fromstack', serviceRole: 'stack-service', instanceProfile: 'stack-profile', subnetId: SUBNET, window: dayWindow('2026-11-01', '2026-11-02'),
    });
    expect(options.steps).toMatchObject({ scriptsVersion: 'fromstack', scope: { kind: 'window', window: { fromDate: '2026-11-01', toDate: '2026-11-02' } }, scriptsBucket: 'clickstream-dev-scripts-123456789012' });
    expect(options.target).toMatchObject({ mode: 'transient', cluster: { serviceRole: 'stack-service', instanceProfile: 'mine', name: 'clickstream-dev-kpis-run-7' } });
  });

  it('launches a transient cluster into the stack\'s tagged subnet unless subnet-id names another', () => {
    const names = resourceNames('dev', '123456789012');
    const fromStack = emrRunOptions(validateEmrRunInputs({ region: 'eu-west-1' }, {}, { namesFromStack: true }), names, {}, { scriptsVersion: 'v', subnetId: 'subnet-0fedcba9876543210' });
    expect(fromStack.target).toMatchObject({ mode: 'transient', cluster: { subnetId: 'subnet-0fedcba9876543210' } });
    const given = emrRunOptions(validateEmrRunInputs({ 'region': 'eu-west-1', 'subnet-id': SUBNET }, {}, { namesFromStack: true }), names, {}, { scriptsVersion: 'v', subnetId: 'subnet-0fedcba9876543210' });
    expect(given.target).toMatchObject({ mode: 'transient', cluster: { subnetId: SUBNET } });
  });

  it('fails before any EMR call when no tagged subnet is given or deployed, or the stack names a malformed one', () => {
    const names = resourceNames('dev', '123456789012');
    const run = validateEmrRunInputs({ region: 'eu-west-1' }, {}, { namesFromStack: true });
    expect(() => emrRunOptions(run, names, {}, { scriptsVersion: 'v' })).toThrow(
      'No cluster subnet (subnet-id is not set and no stack output names one): a transient EMR cluster needs a subnet tagged for-use-with-amazon-emr-managed-policies=true',
    );
    expect(() => emrRunOptions(run, names, {}, { scriptsVersion: 'v', subnetId: 'vpc-0abc' })).toThrow('Cluster subnet "vpc-0abc" (the compute stack\'s output) is not a subnet id');
    // Steps on an existing cluster start nothing, so they need no subnet.
    const existing = validateEmrRunInputs({ 'region': 'eu-west-1', 'mode': 'existing', 'cluster-id': 'j-ABC' }, {}, { namesFromStack: true });
    expect(emrRunOptions(existing, names, {}, { scriptsVersion: 'v' }).target).toEqual({ mode: 'existing', clusterId: 'j-ABC' });
  });

  it('asks for subnet-id among the other problems when no stack outputs are read', () => {
    const { 'subnet-id': _, ...noSubnet } = valid;
    expect(() => parseEmrRunInputs(noSubnet, {}, {})).toThrow(
      'Invalid run-emr-kpis input:\n- subnet-id: a transient EMR cluster needs a subnet tagged for-use-with-amazon-emr-managed-policies=true',
    );
    expect(() => parseEmrRunInputs({ ...valid, 'subnet-id': 'subnet-0abc123' }, {}, {})).toThrow('- subnet-id: must be a subnet id like subnet-0abc1234def567890 (got "subnet-0abc123")');
  });

  it('names the command line\'s flags when given its style', () => {
    const style = { header: 'Invalid options:', label: (input: string) => `--${input}` };
    expect(() => validateEmrRunInputs({ 'core-instance-count': 'x' }, {}, { style })).toThrow('Invalid options:\n- --core-instance-count: must be a whole number of core nodes (got "x")');
  });

  it('rejects a cluster id in transient mode rather than silently ignoring it', () => {
    expect(() => parseEmrRunInputs({ ...valid, 'cluster-id': 'j-ABC' }, {}, {})).toThrow('cluster-id: only used with mode "existing"');
  });
});
