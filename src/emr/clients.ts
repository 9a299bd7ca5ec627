import { EMRClient } from '@aws-sdk/client-emr';
import { S3Client } from '@aws-sdk/client-s3';

export interface EmrClientsOptions {
  readonly region: string;
  /**
   * Attempts per API call, first try included. Polling a cluster for an hour makes hundreds of
   * Describe/List calls, and EMR throttles those per account, so this is higher than the SDK's 3.
   * @default 10
   */
  readonly maxAttempts?: number;
  /**
   * Adaptive mode backs off on throttling and also slows this client's sending rate, which is what
   * a long poll sharing an account's EMR quota with other runs needs.
   * @default 'adaptive'
   */
  readonly retryMode?: 'standard' | 'adaptive';
}

/** The clients the EMR runner uses. */
export interface EmrClients {
  readonly emr: EMRClient;
  /** Reads step logs from the log bucket. */
  readonly s3: S3Client;
}

/** Clients whose throttling and transient errors are retried by the SDK's own retry strategy. */
export function createEmrClients(options: EmrClientsOptions): EmrClients {
  const retry = { maxAttempts: options.maxAttempts ?? 10, retryMode: options.retryMode ?? 'adaptive' };
  return {
    emr: new EMRClient({ region: options.region, ...retry }),
    s3: new S3Client({ region: options.region, ...retry }),
  };
}
