import { ensureStateStream, type EnsureStreamResult } from '@isthmus/bus';
import { decodeIpamEvent, ipamSubjects, type IpamEvent } from '@isthmus/contracts';
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';

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
 */
export async function ensureIpamStream(
  nc: NatsConnection,
  s: IpamStreamSettings,
): Promise<EnsureStreamResult> {
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  return ensureStateStream(jsm, {
    name: s.ipamStream,
    subjects: [ipamSubjects(s.subjectRoot).all.ipam],
    replicas: s.streamReplicas,
    duplicateWindowMs: s.duplicateWindowMs,
  });
}

/**
 * The last event of every subject in the stream that is not a tombstone: what the stream says is
 * live. A publisher taking over compares it with what it knows, and sends tombstones for what is
 * gone (a previous publisher may have died between a block's deletion and its tombstone).
 * Undecodable messages are skipped: the next event of their subject replaces them.
 */
export async function readLiveEvents(nc: NatsConnection, s: IpamStreamSettings): Promise<IpamEvent[]> {
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  const info = await jsm.streams.info(s.ipamStream);
  if (info.state.messages === 0) return [];
  const consumer = await jetstream(nc).consumers.get(s.ipamStream, {
    filter_subjects: ipamSubjects(s.subjectRoot).all.ipam,
    deliver_policy: DeliverPolicy.All,
  });
  const live: IpamEvent[] = [];
  const messages = await consumer.consume({ max_messages: 1000 });
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
    messages.stop();
  }
  return live;
}
