// The RFC 4271 §8 timers of one connection, on an injected clock.
import type { TimerName } from '../fsm';
import type { Clock, TimerHandle } from './clock';

/**
 * RFC 4271 §10: "the base value … is multiplied by a random factor uniformly distributed in the
 * range from 0.75 to 1.0".
 */
export function jittered(seconds: number, random: () => number): number {
  return seconds * (0.75 + 0.25 * random());
}

export class FsmTimers {
  private readonly running = new Map<TimerName, TimerHandle>();

  constructor(
    private readonly clock: Clock,
    private readonly random: () => number,
    private readonly expired: (timer: TimerName) => void,
  ) {}

  start(timer: TimerName, seconds: number, jitter: boolean): void {
    this.stop(timer);
    const ms = Math.max(0, Math.round((jitter ? jittered(seconds, this.random) : seconds) * 1000));
    const handle = this.clock.setTimeout(() => {
      if (this.running.get(timer) !== handle) return;
      this.running.delete(timer);
      this.expired(timer);
    }, ms);
    this.running.set(timer, handle);
  }

  stop(timer: TimerName): void {
    const handle = this.running.get(timer);
    if (handle === undefined) return;
    this.clock.clearTimeout(handle);
    this.running.delete(timer);
  }

  stopAll(): void {
    for (const timer of [...this.running.keys()]) this.stop(timer);
  }

  isRunning(timer: TimerName): boolean {
    return this.running.has(timer);
  }
}
