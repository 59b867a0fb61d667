// A clock that moves only when a test says so, for the session's timers (session/clock.ts).
import type { Clock, TimerHandle } from '../session/clock';

interface Pending {
  id: number;
  at: number;
  callback: () => void;
}

export class FakeClock implements Clock {
  private time = 0;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const timer = { id: this.nextId++, at: this.time + Math.max(0, ms), callback };
    this.pending.set(timer.id, timer);
    return timer.id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.pending.delete(handle as number);
  }

  /** Moves time forward, running every timer that falls due, in order (also ones they set). */
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      let due: Pending | undefined;
      for (const t of this.pending.values()) if (t.at <= until && (!due || t.at < due.at)) due = t;
      if (!due) break;
      this.pending.delete(due.id);
      this.time = due.at;
      due.callback();
    }
    this.time = until;
  }

  /** Milliseconds until the next timer, or undefined when none is set. */
  nextTimerIn(): number | undefined {
    let next: number | undefined;
    for (const t of this.pending.values()) if (next === undefined || t.at < next) next = t.at;
    return next === undefined ? undefined : next - this.time;
  }
}
