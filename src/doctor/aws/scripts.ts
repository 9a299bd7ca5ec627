import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { DoctorCheck, failed, passed } from '../check';
import { AwsDoctorContext } from './context';
import { httpStatus, isCredentialError, unexpected } from './errors';
import { SCRIPTS_ARCHIVE, scriptsKeyPrefix } from '../../config/scripts';
import { OUTPUT_KEYS, stackName } from '../../config/stack-outputs';
import { KPI_JOBS } from '../../kpis/catalog';

/** What every KPI step reads from a published version: the jobs' package and each job's script. */
export function publishedObjectsOfARun(): string[] {
  return [SCRIPTS_ARCHIVE, ...Object.values(KPI_JOBS).map((job) => job.script)];
}

/**
 * The scripts version the stacks name is published: HeadObject on every object a KPI run's steps
 * read. S3 API Reference, "HeadObject": a missing key is a 404, or a 403 for a caller without
 * s3:ListBucket, so both say "not published (or not readable)".
 */
export const scriptsCheck: DoctorCheck<AwsDoctorContext> = {
  name: 'scripts',
  needs: ['stacks'],
  async run(context) {
    const { names, outputs } = await context.names();
    const version = outputs[OUTPUT_KEYS.scriptsVersion];
    if (!version) return failed(`stack ${stackName(context.environment, 'compute')} has no ${OUTPUT_KEYS.scriptsVersion} output: deploy the environment (the deployment publishes spark/)`);
    const prefix = scriptsKeyPrefix(version);
    const missing: string[] = [];
    for (const key of publishedObjectsOfARun()) {
      try {
        await context.clients.s3.send(new HeadObjectCommand({ Bucket: names.scriptsBucket, Key: `${prefix}${key}` }));
      } catch (error) {
        const status = httpStatus(error);
        if (!isCredentialError(error) && (status === 404 || status === 403)) missing.push(key);
        else return failed(unexpected(`s3:HeadObject on s3://${names.scriptsBucket}/${prefix}${key}`, error));
      }
    }
    if (missing.length > 0) {
      return failed(`s3://${names.scriptsBucket}/${prefix} lacks ${missing.join(', ')} (or they are not readable): deploy the environment, which publishes spark/, ` +
        `or \`npx clickstream publish-scripts --environment ${context.environment} --scripts-version ${version}\``);
    }
    const local = context.localScriptsVersion;
    const compared = local === undefined ? '' : local === version ? '; this checkout\'s scripts are the same' : `; this checkout's scripts are ${local}, not deployed yet`;
    return passed(`version ${version} published in s3://${names.scriptsBucket}/${prefix} (the ${publishedObjectsOfARun().length} objects a run reads)${compared}`);
  },
};
