import { ensureStateStream, retryJetStream, type BusConnection, type EnsureStreamResult } from '@isthmus/bus';
import { decodeIpamEvent, ipamSubjects, type IpamEvent } from '@isthmus/contracts';
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';

export interface IpamStreamSettings {
  subjectRoot: string;
  ipamStream: string;
  streamReplicas: number;
  duplicateWindowMs: number;
}

/**
 * The IPAM's own compacted stream (DESIGN.md, "Data flow" 3): every subject under
 * `<root>.ipam.`, the last event of each kept, so a consumer that replays it is current.
 * Idempotent: the publisher calls it whenever it takes over and then periodically; 'created'
 * on a stream that existed before means the server lost it, and everything is republished.
 * Requests are bounded and retried while transient (a server restarting, a leader election),
 * within `deadlineMs`.
 */
export function ensureIpamStream(
  bus: BusConnection,
  s: IpamStreamSettings,
  deadlineMs: number,
): Promise<EnsureStreamResult> {
  return retryJetStream(
    bus,
    `ensuring stream ${s.ipamStream}`,
    (jsm) =>
      ensureStateStream(jsm, {
        name: s.ipamStream,
        subjects: [ipamSubjects(s.subjectRoot).all.ipam],
        replicas: s.streamReplicas,
        duplicateWindowMs: s.duplicateWindowMs,
      }),
    { deadlineMs },
  );
}

/**
 * The last event of every subject in the stream that is not a tombstone: what the stream says is
 * live. A publisher taking over compares it with what it knows, and sends tombstones for what is
 * gone (a previous publisher may have died between a block's deletion and its tombstone).
 * Undecodable messages are skipped: the next event of their subject replaces them. It ends
 * within `timeoutMs` (rejects, and stops reading), whatever the server does.
 */
export async function readLiveEvents(
  bus: BusConnection,
  s: IpamStreamSettings,
  timeoutMs: number,
): Promise<IpamEvent[]> {
  const jsm = await bus.jetstreamManager();
  const info = await jsm.streams.info(s.ipamStream);
  if (info.state.messages === 0) return [];
  const consumer = await jetstream(await bus.connection()).consumers.get(s.ipamStream, {
    filter_subjects: ipamSubjects(s.subjectRoot).all.ipam,
    deliver_policy: DeliverPolicy.All,
  });
  const live: IpamEvent[] = [];
  const messages = await consumer.consume({ max_messages: 1000 });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    messages.stop();
  }, timeoutMs);
  try {
    for await (const m of messages) {
      try {
        const event = decodeIpamEvent(m.subject, m.data, s.subjectRoot);
        if (!event.deleted) live.push(event);
      } catch {
        // not ours to judge here
      }
      if (m.info.pending === 0) break;
    }
  } finally {
    clearTimeout(timer);
    messages.stop();
  }
  if (timedOut) throw new Error(`reading stream ${s.ipamStream} took longer than ${timeoutMs} ms`);
  return live;
}
