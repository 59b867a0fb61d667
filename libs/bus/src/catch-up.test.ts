import { describe, expect, it } from 'vitest';
import { CatchUpTracker } from './catch-up';
import { redeliveryDelayMs } from './retry';

const busy = { num_pending: 5, num_ack_pending: 3, ack_floor: { stream_seq: 0 } };

describe('CatchUpTracker', () => {
  it('is caught up at once when nothing was pending', () => {
    expect(new CatchUpTracker({ pending: 0, ackPending: 0, deliveredSeq: 0 }).caughtUp).toBe(true);
  });

  it('waits for a delivery with nothing pending after it', () => {
    const t = new CatchUpTracker({ pending: 3, ackPending: 0, deliveredSeq: 12 });
    t.handled('s.a', 13, 2, 'done');
    t.handled('s.b', 14, 1, 'done');
    expect(t.caughtUp).toBe(false);
    t.handled('s.c', 15, 0, 'done');
    expect(t.caughtUp).toBe(true);
  });

  it('is not fooled by subjects superseded before their delivery (compaction under load)', () => {
    // Bound with 3 subjects at seqs ≤ 3; all three were updated (seqs 4-6) before any delivery,
    // so the first delivery is already past the stream's end at bind time.
    const t = new CatchUpTracker({ pending: 3, ackPending: 0, deliveredSeq: 0 });
    t.handled('s.a', 4, 2, 'done');
    t.handled('s.b', 5, 1, 'done');
    expect(t.caughtUp).toBe(false);
    t.handled('s.c', 6, 0, 'done');
    expect(t.caughtUp).toBe(true);
  });

  it('waits for a failed subject to be applied', () => {
    const t = new CatchUpTracker({ pending: 2, ackPending: 0, deliveredSeq: 0 });
    t.handled('s.a', 9, 1, 'retry');
    t.handled('s.b', 10, 0, 'done');
    expect(t.caughtUp).toBe(false);
    t.handled('s.a', 5, 0, 'done'); // an older message of s.a does not settle it
    expect(t.caughtUp).toBe(false);
    t.handled('s.a', 9, 0, 'done');
    expect(t.caughtUp).toBe(true);
  });

  it('settles a failed subject when a newer message of it is handled', () => {
    const t = new CatchUpTracker({ pending: 1, ackPending: 0, deliveredSeq: 0 });
    t.handled('s.a', 10, 0, 'retry');
    expect(t.caughtUp).toBe(false);
    t.handled('s.a', 11, 0, 'done');
    expect(t.caughtUp).toBe(true);
  });

  it('waits for a resumed durable to settle what it had delivered unacknowledged', () => {
    const t = new CatchUpTracker({ pending: 1, ackPending: 2, deliveredSeq: 8 });
    t.handled('s.c', 9, 0, 'done');
    expect(t.caughtUp).toBe(false);
    t.observe({ ...busy, ack_floor: { stream_seq: 7 } });
    expect(t.caughtUp).toBe(false);
    t.observe({ ...busy, ack_floor: { stream_seq: 9 } });
    expect(t.caughtUp).toBe(true);
  });

  it('is caught up when the consumer reports nothing pending and nothing unacknowledged', () => {
    const t = new CatchUpTracker({ pending: 4, ackPending: 0, deliveredSeq: 0 });
    t.observe(busy);
    expect(t.caughtUp).toBe(false);
    t.observe({ num_pending: 0, num_ack_pending: 0, ack_floor: { stream_seq: 10 } });
    expect(t.caughtUp).toBe(true);
  });
});

describe('redeliveryDelayMs', () => {
  it('doubles from the initial delay and stops at the maximum', () => {
    const b = { initialMs: 100, maxMs: 1000 };
    expect([1, 2, 3, 4, 5, 50].map((a) => redeliveryDelayMs(a, b))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
});
