// The one way tests wait for something asynchronous: poll a check until it answers, bounded by a
// generous deadline that only matters when the test is failing anyway (the machines are shared
// and noisy, so no test asserts how fast something happens).

export interface PollOptions {
  /** Give up after this long; default 20 s. */
  timeoutMs?: number;
  /** Pause between two checks; default 20 ms. */
  intervalMs?: number;
  /** Added to the timeout error: what the awaited thing looked like last. */
  describeLast?: () => string;
}

/**
 * Calls `check` until it returns something other than undefined or false, and returns that. A
 * check that throws is retried too (the thing may not exist yet); on timeout the error names
 * what was awaited, `describeLast()` and the last error.
 */
export async function pollUntil<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  options: PollOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const intervalMs = options.intervalMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const last = options.describeLast ? `; last seen: ${options.describeLast()}` : '';
      const error = lastError === undefined ? '' : `; last error: ${String(lastError)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last}${error}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
