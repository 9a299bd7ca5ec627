import { EMRClient, paginateListInstances, paginateListSteps } from '@aws-sdk/client-emr';
import { DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import type { EmrInstanceUsage, TimeSpan } from './estimate';

/**
 * A cluster's EC2 instances, from ListInstances (EMR API reference, ListInstances and Instance:
 * InstanceType, Market ON_DEMAND | SPOT, Status.Timeline CreationDateTime / EndDateTime; active
 * instances and those terminated in the last 30 days).
 */
export async function listClusterInstances(emr: EMRClient, clusterId: string): Promise<EmrInstanceUsage[]> {
  const instances: EmrInstanceUsage[] = [];
  for await (const page of paginateListInstances({ client: emr }, { ClusterId: clusterId })) {
    for (const instance of page.Instances ?? []) {
      const created = instance.Status?.Timeline?.CreationDateTime;
      // An instance still awaiting fulfilment has no creation time and costs nothing yet.
      if (!created || !instance.InstanceType) continue;
      instances.push({
        id: instance.Ec2InstanceId ?? instance.Id ?? '?',
        instanceType: instance.InstanceType,
        market: instance.Market === 'SPOT' ? 'SPOT' : 'ON_DEMAND',
        createdAt: created,
        endedAt: instance.Status?.Timeline?.EndDateTime,
      });
    }
  }
  return instances;
}

/**
 * From the first step's start to the last step's end (ListSteps with StepIds; StepTimeline
 * StartDateTime / EndDateTime): the run's share of a cluster it did not create. Undefined when no
 * step started.
 */
export async function stepsSpan(emr: EMRClient, clusterId: string, stepIds: readonly string[], now: Date): Promise<TimeSpan | undefined> {
  let from: number | undefined;
  let to: number | undefined;
  for await (const page of paginateListSteps({ client: emr }, { ClusterId: clusterId, StepIds: [...stepIds] })) {
    for (const step of page.Steps ?? []) {
      const start = step.Status?.Timeline?.StartDateTime;
      if (!start) continue;
      const end = step.Status?.Timeline?.EndDateTime ?? now;
      from = Math.min(from ?? Infinity, start.getTime());
      to = Math.max(to ?? -Infinity, end.getTime());
    }
  }
  return from !== undefined && to !== undefined ? { from: new Date(from), to: new Date(to) } : undefined;
}

/** The stream's capacity mode (DescribeStreamSummary: StreamModeDetails.StreamMode). */
export async function streamMode(kinesis: KinesisClient, streamName: string): Promise<'PROVISIONED' | 'ON_DEMAND' | undefined> {
  const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
  return summary.StreamDescriptionSummary?.StreamModeDetails?.StreamMode;
}
