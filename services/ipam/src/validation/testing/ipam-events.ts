// Test support: what the IPAM publishes, seen two ways. A plain subscription records every event
// in the order it was sent (the history a test asserts on: opened, then cleared); the stream
// answers what it holds now per subject (what a consumer replaying it would get).
import {
  decodeIpamEvent,
  ipamSubjects,
  type BlockVerdictState,
  type IpamEvent,
  type IpamSubjects,
} from '@isthmus/contracts';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';

export class IpamEvents {
  /** Every event received, in order. */
  readonly seen: { subject: string; event: IpamEvent }[] = [];
  readonly subjects: IpamSubjects;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly sub: Subscription,
    private readonly root: string,
    private readonly stream: string,
  ) {
    this.subjects = ipamSubjects(root);
    void this.record();
  }

  static async open(env: Record<string, string>): Promise<IpamEvents> {
    const nc = await connect({ servers: env.NATS_URL!, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    const root = env.ISTHMUS_SUBJECT_ROOT!;
    const sub = nc.subscribe(ipamSubjects(root).all.ipam);
    await nc.flush();
    return new IpamEvents(nc, await jetstreamManager(nc), sub, root, env.ISTHMUS_IPAM_STREAM!);
  }

  private async record(): Promise<void> {
    for await (const m of this.sub) {
      this.seen.push({ subject: m.subject, event: decodeIpamEvent(m.subject, m.data, this.root) });
    }
  }

  /** Events received on one subject, in order. */
  on(subject: string): IpamEvent[] {
    return this.seen.filter((s) => s.subject === subject).map((s) => s.event);
  }

  /** A block's verdicts as received, in order; null for a tombstone. */
  verdicts(cluster: string, cidr: string): (BlockVerdictState | null)[] {
    return this.on(this.subjects.verdict(cluster, cidr)).map((e) =>
      e.kind === 'verdict' && !e.deleted ? e.state : null,
    );
  }

  /** The last received event on a subject, or undefined. */
  lastOn(subject: string): IpamEvent | undefined {
    return this.on(subject).at(-1);
  }

  /** What the stream holds for a subject now (null: nothing, or no stream). */
  async stored(subject: string): Promise<IpamEvent | null> {
    try {
      const m = await this.jsm.direct.getMessage(this.stream, { last_by_subj: subject });
      return m ? decodeIpamEvent(m.subject, m.data, this.root) : null;
    } catch {
      return null;
    }
  }

  /** Ids of the conflicts the stream holds as live now (tombstoned ones left out), in id order. */
  async liveConflictIds(): Promise<string[]> {
    const info = await this.jsm.streams.info(this.stream, { subjects_filter: this.subjects.all.conflicts });
    const live: string[] = [];
    for (const subject of Object.keys(info.state.subjects ?? {})) {
      const event = await this.stored(subject);
      if (event?.kind === 'conflict' && !event.deleted) live.push(event.state.id);
    }
    return live.sort((a, b) => Number(a) - Number(b));
  }

  /**
   * The status a block's verdict has in the stream: a status, 'gone' (tombstone), null (no
   * message), or `error: …` when the stream could not be read (a timed-out request is not
   * "nothing stored": a convergence check that fails says which it was).
   */
  async storedStatus(cluster: string, cidr: string): Promise<string | null> {
    let event: IpamEvent | null;
    try {
      const m = await this.jsm.direct.getMessage(this.stream, {
        last_by_subj: this.subjects.verdict(cluster, cidr),
      });
      event = m ? decodeIpamEvent(m.subject, m.data, this.root) : null;
    } catch (err) {
      return `error: ${String(err)}`;
    }
    if (!event || event.kind !== 'verdict') return null;
    return event.deleted ? 'gone' : event.state.status;
  }

  async close(): Promise<void> {
    this.sub.unsubscribe();
    await this.nc.close();
  }
}
