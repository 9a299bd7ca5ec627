import { CfnOutput, Stack } from 'aws-cdk-lib';
import { OutputKey } from '../../src/config/stack-outputs';

/**
 * Declares a stack output under its shared key (see OUTPUT_KEYS). The construct id differs from
 * the key so an output can share its name with the resource it describes.
 */
export function addOutput(stack: Stack, key: OutputKey, value: string, description: string): CfnOutput {
  const output = new CfnOutput(stack, `${key}Output`, { value, description });
  output.overrideLogicalId(key);
  return output;
}
