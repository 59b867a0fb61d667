export interface RetryBackoff {
  initialMs: number;
  maxMs: number;
}

/** Exponential: initialMs, 2×, 4× … capped at maxMs; `attempt` counts from 1. */
export function redeliveryDelayMs(attempt: number, backoff: RetryBackoff): number {
  const exp = Math.min(Math.max(attempt, 1) - 1, 30);
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** exp);
}

/** Resolves after `ms`, or at once when the signal aborts (a stop must not wait for a backoff). */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
