import { bootstrapHint, BOOTSTRAP_STACK, BOOTSTRAP_VERSION_OUTPUT, MIN_BOOTSTRAP_VERSION } from '../../config/cdk-bootstrap';
import { AWS_REGION_PATTERN } from '../../config/config';
import { DoctorCheck, failed, passed } from '../check';
import { AwsDoctorContext } from './context';
import { isCredentialError, unexpected } from './errors';

/** Where the region came from, for the region check's line. */
export interface RegionSource {
  readonly region: string | undefined;
  /** `AWS_REGION`, `--region` or `AWS_DEFAULT_REGION`. */
  readonly from?: string;
}

/** The region is set and looks like one; checked before any request. */
export function regionCheck(source: RegionSource): DoctorCheck<AwsDoctorContext> {
  return {
    name: 'region',
    async run() {
      if (!source.region) return failed('no region: set AWS_REGION (or pass --region) to where the environment is deployed, e.g. AWS_REGION=eu-west-1');
      if (!AWS_REGION_PATTERN.test(source.region)) return failed(`"${source.region}" (from ${source.from}) is not a region name: use one such as eu-west-1`);
      return passed(`${source.region} (from ${source.from})`);
    },
  };
}

/**
 * Credentials and account: sts:GetCallerIdentity needs no permission, even an explicit deny does
 * not stop it (STS API Reference, "GetCallerIdentity"), so only missing or expired credentials fail it.
 */
export const credentialsCheck: DoctorCheck<AwsDoctorContext> = {
  name: 'credentials',
  needs: ['region'],
  async run(context) {
    try {
      const identity = await context.identity();
      return passed(`account ${identity.Account} as ${identity.Arn}`);
    } catch (error) {
      if (isCredentialError(error)) {
        return failed(`no usable AWS credentials (${(error as Error).name}: ${(error as Error).message}): ` +
          'set AWS_PROFILE, or run `aws sso login` / `aws configure`, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
      }
      return failed(unexpected('sts:GetCallerIdentity', error));
    }
  },
};

/** The account and region are bootstrapped for the CDK, recently enough (the deploy checks the same). */
export const bootstrapCheck: DoctorCheck<AwsDoctorContext> = {
  name: 'cdk bootstrap',
  needs: ['credentials'],
  async run(context) {
    let stack;
    try {
      stack = await context.stack(BOOTSTRAP_STACK);
    } catch (error) {
      return failed(unexpected(`cloudformation:DescribeStacks on ${BOOTSTRAP_STACK}`, error));
    }
    const account = (await context.identity()).Account;
    if (!stack) return failed(`no ${BOOTSTRAP_STACK} stack in ${context.region}: ${bootstrapHint(context.region, account)}`);
    const version = Number(stack.Outputs?.find((o) => o.OutputKey === BOOTSTRAP_VERSION_OUTPUT)?.OutputValue);
    if (!Number.isInteger(version) || version < MIN_BOOTSTRAP_VERSION) {
      return failed(`${BOOTSTRAP_STACK} has bootstrap version ${Number.isNaN(version) ? 'unknown' : version}, the app needs ${MIN_BOOTSTRAP_VERSION} or later: ${bootstrapHint(context.region, account)}`);
    }
    return passed(`${BOOTSTRAP_STACK} version ${version} (${MIN_BOOTSTRAP_VERSION} or later needed)`);
  },
};
