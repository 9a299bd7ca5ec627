/** Keys of the state the post step reads. */
export const STATE = {
  region: 'region',
  clusterId: 'cluster-id',
  createdCluster: 'created-cluster',
  stepIds: 'step-ids',
  /** An EMR Serverless run's application and job runs. */
  applicationId: 'application-id',
  jobRunIds: 'job-run-ids',
  /** Set once the run has an outcome; absent when the main step was killed first. */
  result: 'result',
} as const;
