import { CancelJobRunCommand, EMRServerlessClient } from '@aws-sdk/client-emr-serverless';

/** A job run that could not be cancelled, and the command that cancels it. */
export interface UncancelledJobRun {
  readonly jobRunId: string;
  /** `ValidationException: ...` */
  readonly error: string;
  readonly command: string;
}

/** The AWS CLI command that cancels a job run. */
export function cancelJobRunCommand(applicationId: string, jobRunId: string, region?: string): string {
  return `aws emr-serverless cancel-job-run${region ? ` --region ${region}` : ''} --application-id ${applicationId} --job-run-id ${jobRunId}`;
}

/**
 * Cancels job runs (API Reference, "CancelJobRun": a run goes to CANCELLING, then CANCELLED), each on
 * its own: one that cannot be cancelled (it ended meanwhile, or access is denied) is returned with
 * the command that cancels it, and the others are still cancelled. The runner (timeout, abort, a
 * failed start) and the preview teardown share it.
 */
export async function cancelJobRuns(
  client: Pick<EMRServerlessClient, 'send'>, applicationId: string, jobRunIds: readonly string[], region?: string,
): Promise<{ cancelled: string[]; failed: UncancelledJobRun[] }> {
  const cancelled: string[] = [];
  const failed: UncancelledJobRun[] = [];
  for (const jobRunId of jobRunIds) {
    try {
      await client.send(new CancelJobRunCommand({ applicationId, jobRunId }));
      cancelled.push(jobRunId);
    } catch (error) {
      const e = error as Error;
      failed.push({ jobRunId, error: `${e.name}: ${e.message}`, command: cancelJobRunCommand(applicationId, jobRunId, region) });
    }
  }
  return { cancelled, failed };
}
