import { RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import { Construct } from 'constructs';
import { ATHENA_ENGINE_VERSION } from '../../src/config/athena-workgroup';
import { ResourceNames } from '../../src/config/names';
import { OUTPUT_KEYS } from '../../src/config/stack-outputs';
import { EnvironmentConfig } from '../config/environments';
import { pipelineBucket } from '../constructs/imports';
import { addOutput } from '../constructs/output';

export interface QueryStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  readonly names: ResourceNames;
}

export { ATHENA_ENGINE_VERSION };

/** Key prefix of query results in the results bucket. */
export const ATHENA_RESULTS_PREFIX = 'results/';

/** The Athena workgroup the validation suite queries the KPI tables through. */
export class QueryStack extends Stack {
  readonly workgroup: athena.CfnWorkGroup;

  constructor(scope: Construct, id: string, props: QueryStackProps) {
    super(scope, id, props);
    const resultsUri = pipelineBucket(this, props.names, 'athenaResultsBucket').s3UrlForObject(ATHENA_RESULTS_PREFIX);
    this.workgroup = new athena.CfnWorkGroup(this, 'Workgroup', {
      name: props.names.athenaWorkgroup,
      description: `Clickstream ${props.config.name}: KPI validation queries`,
      state: 'ENABLED',
      // A destroyed dev stack must not fail on the workgroup's saved queries and history.
      recursiveDeleteOption: props.config.removalPolicy === RemovalPolicy.DESTROY,
      workGroupConfiguration: {
        engineVersion: { selectedEngineVersion: ATHENA_ENGINE_VERSION },
        // Clients cannot override the result location, encryption or the scan limit.
        enforceWorkGroupConfiguration: true,
        bytesScannedCutoffPerQuery: props.config.athenaBytesScannedCutoff.toBytes(),
        publishCloudWatchMetricsEnabled: true,
        resultConfiguration: {
          outputLocation: resultsUri,
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        },
      },
    });
    this.workgroup.applyRemovalPolicy(props.config.removalPolicy);

    addOutput(this, OUTPUT_KEYS.athenaWorkgroup, this.workgroup.ref, 'Athena workgroup of the validation suite (ATHENA_WORKGROUP)');
    addOutput(this, OUTPUT_KEYS.athenaResultsUri, resultsUri, 'Athena query result location');
  }
}
