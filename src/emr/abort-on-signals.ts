/** An AbortSignal that fires on the first of `signals`, and a way to stop listening. */
export interface SignalAbort {
  readonly signal: AbortSignal;
  dispose(): void;
}

/**
 * Turns SIGINT/SIGTERM (Ctrl-C, a cancelled GitHub workflow) into an abort, so the runner can
 * cancel its steps and terminate its cluster instead of dying with them still running.
 */
export function abortOnSignals(
  signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'],
  target: Pick<NodeJS.Process, 'once' | 'removeListener'> = process,
): SignalAbort {
  const controller = new AbortController();
  const handlers = signals.map((name) => {
    const handler = () => controller.abort(new Error(`Received ${name}`));
    target.once(name, handler);
    return [name, handler] as const;
  });
  return {
    signal: controller.signal,
    dispose: () => handlers.forEach(([name, handler]) => target.removeListener(name, handler)),
  };
}
