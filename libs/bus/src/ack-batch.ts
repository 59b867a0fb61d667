import type { JsMsg } from '@nats-io/jetstream';

/**
 * Sends acknowledgements (ack, nak, term) in groups. nats.js flushes its outbound buffer in a
 * microtask after the first write, so one ack per awaited apply became one socket write each:
 * `writeBuffer` was most of a replay's CPU profile. Deferred to the next macrotask, the acks of a
 * run of quick applies leave in one write. Each ack still follows its own apply.
 */
export class AckBatch {
  private pending: Array<() => void> = [];
  private scheduled?: ReturnType<typeof setImmediate>;

  add(m: JsMsg, action: (m: JsMsg) => void): void {
    this.pending.push(() => action(m));
    this.scheduled ??= setImmediate(() => this.flush());
  }

  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const actions = this.pending;
    this.pending = [];
    for (const action of actions) {
      try {
        action();
      } catch {
        // A closed connection: the server redelivers what was not acknowledged.
      }
    }
  }
}
