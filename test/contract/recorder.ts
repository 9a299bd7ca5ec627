import { SentRequest } from './request-table';

/** Anything aws-sdk-client-mock records calls on (an AwsStub). */
interface Recording {
  calls(): ReadonlyArray<{ readonly args: readonly unknown[] }>;
}

/** The requests a mocked client was sent, as the permission contract reads them: command name and input. */
export function sentRequests(...mocks: readonly Recording[]): SentRequest[] {
  return mocks.flatMap((mock) => mock.calls().map((call) => {
    const command = call.args[0] as { constructor: { name: string }; input: Record<string, unknown> };
    return { command: command.constructor.name, input: command.input };
  }));
}
