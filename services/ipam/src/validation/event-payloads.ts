import type { BlockVerdictState, ConflictEvent, VerdictEvent } from '@isthmus/contracts';
import type { OutboundMessage } from '@isthmus/bus';
import type { BlockVerdict } from '../core';
import { conflictState } from '../conflicts/conflict-record';
import type { OutgoingEvent } from './pending-events';

const encoder = new TextEncoder();
const iso = (ms: number) => new Date(ms).toISOString();

/** The core's verdict in the contracts' shape (times as ISO text, like every event). */
export function verdictState(v: BlockVerdict): BlockVerdictState {
  return {
    cluster: v.cluster,
    cidr: v.cidr,
    node: v.node,
    status: v.status,
    allocation: v.allocation,
    excludedBy: v.excludedBy.map((p) => ({ cluster: p.cluster, cidr: p.cidr, firstSeen: iso(p.firstSeen) })),
    excludedByTotal: v.excludedByTotal,
    excludingTotal: v.excludingTotal,
  };
}

export function eventOf(e: OutgoingEvent, revision: number): VerdictEvent | ConflictEvent {
  const at = iso(e.at);
  if (e.kind === 'verdict') {
    return e.verdict
      ? { kind: 'verdict', revision, at, deleted: false, state: verdictState(e.verdict) }
      : { kind: 'verdict', revision, at, deleted: true, key: { cluster: e.cluster, cidr: e.cidr } };
  }
  return e.record
    ? { kind: 'conflict', revision, at, deleted: false, state: conflictState(e.record) }
    : { kind: 'conflict', revision, at, deleted: true, key: { id: e.id } };
}

/**
 * The message of an event. Its revision is its Nats-Msg-Id: unique across publishers (revisions
 * come from one sequence), and the same when a failed batch is retried, so JetStream drops the
 * copies it already stored.
 */
export function messageOf(e: OutgoingEvent, revision: number): OutboundMessage {
  return {
    subject: e.subject,
    data: encoder.encode(JSON.stringify(eventOf(e, revision))),
    msgId: String(revision),
  };
}
