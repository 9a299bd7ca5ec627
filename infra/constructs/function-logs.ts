import { CfnResource, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';

export interface FunctionLogsProps {
  /** Where the stack's functions log. Custom names must not begin with `aws/` (Lambda docs). */
  readonly logGroupName: string;
  readonly retention: logs.RetentionDays;
  /** The stack's removal policy: the logs go with the stack where its data does. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Sends the logs of every Lambda function in a stack (the handlers aws-cdk-lib generates for custom
 * resources: the bucket auto-deleter, the scripts deployment) to one log group the stack owns. Without
 * a LoggingConfig a function logs to `/aws/lambda/<function name>`, which CloudWatch creates on its
 * first invocation, outside CloudFormation, and which therefore outlives the stack (AWS Lambda docs,
 * "Configuring CloudWatch log groups"; several functions may share one group). Each function depends
 * on the group, so the group exists before the function first runs and is deleted after it last
 * runs (the auto-deleter runs during the stack's own deletion). Call it after the stack's constructs
 * are added; returns undefined for a stack without functions.
 */
export function ownFunctionLogs(stack: Stack, props: FunctionLogsProps): logs.LogGroup | undefined {
  const functions = stack.node.findAll()
    .filter((c): c is CfnResource => CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::Lambda::Function');
  if (functions.length === 0) return undefined;
  const group = new logs.LogGroup(stack, 'FunctionLogs', {
    logGroupName: props.logGroupName,
    retention: props.retention,
    removalPolicy: props.removalPolicy,
  });
  for (const fn of functions) {
    fn.addPropertyOverride('LoggingConfig.LogGroup', group.logGroupName);
    fn.addPropertyOverride('LoggingConfig.LogFormat', 'Text');
    fn.node.addDependency(group);
  }
  return group;
}
