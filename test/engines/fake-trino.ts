import * as http from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * A stand-in Trino coordinator for testing the protocol client: it answers each request with the
 * next scripted reply (responses shaped like a real server's), and records what it was sent.
 * Tests against a real Trino live with the local stack.
 */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export interface Reply {
  readonly status?: number;
  /** JSON to send; a string is sent as is (to control number formatting). */
  readonly body?: unknown;
}

export interface FakeTrino {
  readonly endpoint: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * Starts the fake on a free loopback port. `reply` sees every POST and GET; DELETE (cancel)
 * is recorded and answered 204 like Trino does.
 */
export async function startFakeTrino(reply: (request: RecordedRequest, endpoint: string) => Reply): Promise<FakeTrino> {
  const requests: RecordedRequest[] = [];
  let endpoint = '';
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(request);
      if (request.method === 'DELETE') {
        res.writeHead(204).end();
        return;
      }
      const { status = 200, body } = reply(request, endpoint);
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    requests,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** Replies in order; the last one repeats. */
export function inOrder(...replies: ((endpoint: string) => Reply)[]): (request: RecordedRequest, endpoint: string) => Reply {
  let next = 0;
  return (_request, endpoint) => replies[Math.min(next++, replies.length - 1)](endpoint);
}

/** A response of a query still in progress, pointing at its next batch. */
export function running(endpoint: string, queryId: string, token: number, extra: Record<string, unknown> = {}): Reply {
  return {
    body: {
      id: queryId,
      infoUri: `${endpoint}/ui/query.html?${queryId}`,
      nextUri: `${endpoint}/v1/statement/executing/${queryId}/y0/${token}`,
      stats: { state: token === 0 ? 'QUEUED' : 'RUNNING', queued: token === 0, physicalInputBytes: 0 },
      ...extra,
    },
  };
}
