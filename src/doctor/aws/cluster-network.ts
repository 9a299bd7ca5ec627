import { DescribeSubnetsCommand } from '@aws-sdk/client-ec2';
import { GetRoleCommand } from '@aws-sdk/client-iam';
import { DoctorCheck, failed, passed } from '../check';
import { AwsDoctorContext } from './context';
import { errorName, unexpected } from './errors';
import { OUTPUT_KEYS, stackName } from '../../config/stack-outputs';
import { EMR_MANAGED_POLICY_TAG } from '../../emr/cluster-network';

/** The cluster subnet the stacks name exists and carries the tag the EMR service role needs. */
export const clusterSubnetCheck: DoctorCheck<AwsDoctorContext> = {
  name: 'cluster subnet',
  needs: ['stacks'],
  async run(context) {
    if (await context.output(OUTPUT_KEYS.compute) === 'emr-serverless') {
      return passed('none needed: the environment runs its jobs on EMR Serverless (its compute stack\'s Compute output), which starts no cluster');
    }
    const subnetId = await context.output(OUTPUT_KEYS.clusterSubnetId);
    if (!subnetId) {
      return failed(`stack ${stackName(context.environment, 'compute')} has no ${OUTPUT_KEYS.clusterSubnetId} output, so clusters get no subnet the EMR service role may use: ` +
        'deploy the current CDK app, which creates a tagged one');
    }
    let subnet;
    try {
      subnet = (await context.clients.ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId] }))).Subnets?.[0];
    } catch (error) {
      // EC2 API Reference, "Error codes": a subnet id that does not exist.
      if (errorName(error) === 'InvalidSubnetID.NotFound') return failed(`subnet ${subnetId} (output ${OUTPUT_KEYS.clusterSubnetId}) does not exist in ${context.region}: deploy the environment again`);
      return failed(unexpected(`ec2:DescribeSubnets on ${subnetId}`, error));
    }
    if (!subnet) return failed(`subnet ${subnetId} (output ${OUTPUT_KEYS.clusterSubnetId}) was not found in ${context.region}: deploy the environment again`);
    const tag = subnet.Tags?.find((t) => t.Key === EMR_MANAGED_POLICY_TAG.key);
    if (tag?.Value !== EMR_MANAGED_POLICY_TAG.value) {
      return failed(`subnet ${subnetId} is not tagged ${EMR_MANAGED_POLICY_TAG.key}=${EMR_MANAGED_POLICY_TAG.value}${tag ? ` (its value is "${tag.Value}")` : ''}, ` +
        'so the EMR service role (AmazonEMRServicePolicy_v2) may not launch instances in it: tag it ' +
        `(\`aws ec2 create-tags --resources ${subnetId} --tags Key=${EMR_MANAGED_POLICY_TAG.key},Value=${EMR_MANAGED_POLICY_TAG.value}\`)`);
    }
    return passed(`${subnetId} in ${subnet.VpcId} (${subnet.AvailabilityZone}), tagged ${EMR_MANAGED_POLICY_TAG.key}=${EMR_MANAGED_POLICY_TAG.value}`);
  },
};

/** EMR's service-linked role for cleanup (EMR Management Guide, "Using service-linked roles for Amazon EMR for cleanup"). */
export const EMR_CLEANUP_ROLE = 'AWSServiceRoleForEMRCleanup';

/**
 * The cleanup role exists, or EMR may create it. EMR creates it while creating the first cluster
 * when it is missing, for a caller allowed iam:CreateServiceLinkedRole on it, which the run roles
 * are (infra/constructs/github-roles.ts, statement CreateEmrCleanupRole): a missing role is no failure.
 */
export const serviceLinkedRoleCheck: DoctorCheck<AwsDoctorContext> = {
  name: 'EMR cleanup role',
  needs: ['credentials'],
  async run(context) {
    try {
      const role = (await context.clients.iam.send(new GetRoleCommand({ RoleName: EMR_CLEANUP_ROLE }))).Role;
      return passed(`${EMR_CLEANUP_ROLE} exists${role?.CreateDate ? ` (since ${role.CreateDate.toISOString().slice(0, 10)})` : ''}`);
    } catch (error) {
      // IAM API Reference, "GetRole", Errors: NoSuchEntity for a role that does not exist.
      if (errorName(error) === 'NoSuchEntity' || errorName(error) === 'NoSuchEntityException') {
        return passed(`${EMR_CLEANUP_ROLE} does not exist yet: EMR creates it with the first cluster (the run role may create it)`);
      }
      return failed(unexpected(`iam:GetRole on ${EMR_CLEANUP_ROLE}`, error));
    }
  },
};
