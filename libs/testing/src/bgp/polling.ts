export interface PollOptions {
  /** Give up after this long; default 30 s. */
  timeoutMs?: number;
  /** Pause between two probes; default 100 ms. */
  intervalMs?: number;
}

/**
 * Probes until `probe` returns something other than undefined, and returns it. On timeout the
 * error names what was awaited, the last value seen (`describeLast`) and the last probe error.
 */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  options: PollOptions & { describeLast?: () => string } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const last = options.describeLast ? `; last seen: ${options.describeLast()}` : '';
      const error = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last}${error}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
