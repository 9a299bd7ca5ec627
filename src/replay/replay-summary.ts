import { ReplayResult } from './replayer';

/** The summary table of a replay, for the command line and the action's job summary. */
export function replaySummaryRows(result: ReplayResult): Array<[string, string | number]> {
  const rate = result.rate.basis === 'unlimited' ? 'unlimited' : `${result.rate.recordsPerSecond ?? '-'} rec/s, ${result.rate.bytesPerSecond ?? '-'} B/s (${result.rate.basis})`;
  return [
    ['stream', result.streamName],
    ['read from source', result.read],
    ['sent', result.sent],
    ['failed (undelivered)', result.failed],
    ['retried entries', result.retried],
    ['throttled entries', result.throttled],
    ['bytes sent', result.bytes],
    ['duration (s)', result.durationSeconds],
    ['achieved rate', `${result.recordsPerSecond} rec/s, ${result.bytesPerSecond} B/s`],
    ['rate limit', rate],
    ['first event time', result.firstEventTime ?? '-'],
    ['last event time', result.lastEventTime ?? '-'],
    ['valid / duplicate / invalid sent', `${result.manifest.counts.validDelivered} / ${result.manifest.counts.duplicatesDelivered} / ${result.manifest.counts.invalidDelivered}`],
    ['invalid file lines', result.invalidLines ? `${result.invalidLines.count}${result.invalidLines.sent ? ' (sent)' : ' (not sent)'}` : '-'],
  ];
}

/** The message of a replay that left records undelivered. */
export function undeliveredMessage(result: ReplayResult): string {
  const reasons = Object.entries(result.undelivered.reasons).map(([r, n]) => `${n} ${r}`).join(', ');
  return `${result.failed} record(s) were not delivered (${reasons}); first: ${result.undelivered.first.join(', ')}.`;
}
