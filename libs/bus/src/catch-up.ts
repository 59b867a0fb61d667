/**
 * Decides when a StateConsumer has caught up: it has applied the state of every subject the
 * stream held when the consumer was bound. Pure: no IO, no clock.
 *
 * In a compacted stream a subject's message present at bind time may be superseded before it is
 * delivered; its successor then comes later, after messages that were not in the stream at bind
 * time. So "a message past the stream's last sequence at bind time was handled" does not prove
 * anything about the subjects still to come. What does: a delivery with nothing left pending
 * (JsMsg.info.pending === 0) means every message in the stream before it was delivered, and as
 * they are handled one at a time in delivery order, all were handled — except those that failed
 * and wait for redelivery, which are tracked per subject until a message of that subject at least
 * as new is handled. So a consumer is caught up once:
 *  - it had nothing pending at bind time, or it handled a delivery with nothing pending after it;
 *  - no failed subject is waiting for its redelivery;
 *  - for a resumed durable, the messages delivered before (to a previous process) and never
 *    acknowledged are settled: its ack floor reached the stream sequence it had delivered at bind
 *    time (they come back once their ack wait expires);
 *  - or, whatever happened (purges, messages superseded before delivery), the server reports the
 *    consumer with nothing pending and nothing unacknowledged.
 * Under a continuous burst of new events this waits until the consumer has caught up with the
 * producer, which is what "current" means for readiness.
 */
export interface ReplayStart {
  /** ConsumerInfo.num_pending at bind time (in a compacted stream, one per subject). */
  pending: number;
  /** ConsumerInfo.num_ack_pending at bind time. */
  ackPending: number;
  /** ConsumerInfo.delivered.stream_seq at bind time. */
  deliveredSeq: number;
}

export type HandledOutcome = 'done' | 'retry';

export interface ConsumerProgress {
  num_pending: number;
  num_ack_pending: number;
  ack_floor: { stream_seq: number };
}

export class CatchUpTracker {
  private deliveredAll: boolean;
  private ackPendingSettled: boolean;
  private idle = false;
  /** Subject → stream sequence of its message that failed and waits for redelivery. */
  private readonly unresolved = new Map<string, number>();

  constructor(private readonly start: ReplayStart) {
    this.deliveredAll = start.pending === 0;
    this.ackPendingSettled = start.ackPending === 0;
  }

  get caughtUp(): boolean {
    return this.idle || (this.deliveredAll && this.ackPendingSettled && this.unresolved.size === 0);
  }

  /**
   * One message was handled: `done` (applied, skipped as stale, or terminated) or `retry`
   * (nak'd, to be redelivered). `pendingAfter` is the delivery's pending count (JsMsg.info.pending).
   */
  handled(subject: string, streamSeq: number, pendingAfter: number, outcome: HandledOutcome): void {
    if (pendingAfter === 0) this.deliveredAll = true;
    const failedAt = this.unresolved.get(subject);
    if (outcome === 'retry') {
      if (failedAt === undefined || streamSeq > failedAt) this.unresolved.set(subject, streamSeq);
    } else if (failedAt !== undefined && streamSeq >= failedAt) {
      this.unresolved.delete(subject);
    }
  }

  /** What a consumer info request reported while catching up. */
  observe(progress: ConsumerProgress): void {
    if (progress.ack_floor.stream_seq >= this.start.deliveredSeq) this.ackPendingSettled = true;
    if (progress.num_pending === 0 && progress.num_ack_pending === 0) this.idle = true;
  }
}
