import { awsTarget } from './aws/aws-target';
import { localTarget } from './local/local-target';
import { Target } from './target';
import { TargetName } from '../config/config';

/** The one place a target name becomes an adapter. */
export function targetFor(name: TargetName): Target {
  return name === 'local' ? localTarget() : awsTarget();
}
