export interface RetryBackoff {
  initialMs: number;
  maxMs: number;
}

/**
 * Exponential backoff with full jitter between half and the whole delay, so that the replicas
 * of a service that failed together do not retry in lockstep. `attempt` counts from 1.
 */
export function jitteredDelayMs(attempt: number, backoff: RetryBackoff, random = Math.random): number {
  const d = redeliveryDelayMs(attempt, backoff);
  return Math.round(d / 2 + (random() * d) / 2);
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
