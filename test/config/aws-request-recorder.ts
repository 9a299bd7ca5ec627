import * as http from 'node:http';
import { AddressInfo } from 'node:net';

/** One request that reached the recorder: which API an SDK client called. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  /** `X-Amz-Target` of JSON APIs (Kinesis, Firehose, ...), else undefined. */
  readonly target?: string;
  /** The request body (query APIs such as CloudFormation name the action and parameters there). */
  readonly body: string;
}

export interface AwsRequestRecorder {
  /** Give it to a command as AWS_ENDPOINT_URL: every SDK client then calls here instead of AWS. */
  readonly endpoint: string;
  readonly requests: RecordedRequest[];
  /**
   * TCP connections opened to it. The Kinesis client speaks HTTP/2, whose requests an HTTP/1.1
   * server never parses, so a connection is what proves a call was attempted.
   */
  connections: number;
  close(): Promise<void>;
}

/**
 * A loopback HTTP server standing in for every AWS endpoint, so a test can tell whether a command
 * sent any AWS request at all. It answers each one with a 500, which the SDK reports as a failure.
 */
export async function startAwsRequestRecorder(): Promise<AwsRequestRecorder> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const target = req.headers['x-amz-target'];
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', target: typeof target === 'string' ? target : undefined, body });
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"__type":"InternalFailure","message":"recorder"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const recorder: AwsRequestRecorder = {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    connections: 0,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  server.on('connection', () => {
    recorder.connections += 1;
  });
  return recorder;
}

/** Variables that point every SDK client of a child process at the recorder, with throw-away credentials. */
export function recorderEnv(recorder: AwsRequestRecorder): NodeJS.ProcessEnv {
  return {
    AWS_ENDPOINT_URL: recorder.endpoint,
    AWS_ACCESS_KEY_ID: 'recorder',
    AWS_SECRET_ACCESS_KEY: 'recorder',
    AWS_REGION: 'eu-west-1',
    AWS_MAX_ATTEMPTS: '1',
  };
}
