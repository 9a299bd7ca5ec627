/** Keys of the state the post step reads. */
export const STATE = {
  region: 'region',
  clusterId: 'cluster-id',
  createdCluster: 'created-cluster',
  stepIds: 'step-ids',
  /** Set once the run has an outcome; absent when the main step was killed first. */
  result: 'result',
} as const;
