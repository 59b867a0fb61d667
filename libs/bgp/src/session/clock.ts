// Time, injected: the session's timers run on this, so tests drive them with a fake clock
// (src/testing/fake-clock.ts) and never sleep.

/** Whatever the clock's setTimeout returns; only handed back to its clearTimeout. */
export type TimerHandle = unknown;

export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
