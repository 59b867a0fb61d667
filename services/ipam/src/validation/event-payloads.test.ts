import { describe, expect, it } from 'vitest';
import { decodeIpamEvent, ipamSubjects } from '@isthmus/contracts';
import type { ConflictRecord } from '../conflicts/conflict-record';
import { messageOf } from './event-payloads';
import type { OutgoingEvent } from './pending-events';

const s = ipamSubjects('t1');
const at = Date.UTC(2026, 10, 21, 10, 0, 0);
const record: ConflictRecord = {
  id: '7',
  kept: { cluster: 'k8s', cidr: '192.168.55.128/26', firstSeen: at - 2000 },
  excluded: { cluster: 'dcos', cidr: '192.168.55.0/24', firstSeen: at - 1000 },
  since: at - 500,
  clearedAt: null,
};

/** What the service sends must be what the contracts accept, on the subject they expect. */
describe('event payloads', () => {
  it('encodes verdicts, conflicts and their tombstones as valid IPAM events', () => {
    const events: OutgoingEvent[] = [
      {
        kind: 'verdict',
        subject: s.verdict('dcos', '192.168.55.0/24'),
        cluster: 'dcos',
        cidr: '192.168.55.0/24',
        verdict: {
          cluster: 'dcos',
          cidr: '192.168.55.0/24',
          node: 'agent-2.mesos',
          status: 'conflict',
          allocation: 'inside',
          excludedBy: [record.kept],
          excludedByTotal: 1,
          excludingTotal: 0,
        },
        at,
      },
      {
        kind: 'verdict',
        subject: s.verdict('k8s', '2001:db8::/64'),
        cluster: 'k8s',
        cidr: '2001:db8::/64',
        verdict: null,
        at,
      },
      { kind: 'conflict', subject: s.conflict('7'), id: '7', record, at },
      { kind: 'conflict', subject: s.conflict('7'), id: '7', record: null, at },
    ];
    const decoded = events.map((e, i) => {
      const m = messageOf(e, 100 + i);
      expect(m.msgId).toBe(String(100 + i));
      return decodeIpamEvent(m.subject, m.data, 't1');
    });
    expect(decoded[0]).toMatchObject({
      kind: 'verdict',
      revision: 100,
      at: '2026-11-21T10:00:00.000Z',
      state: { status: 'conflict', excludedBy: [{ cluster: 'k8s', firstSeen: '2026-11-21T09:59:58.000Z' }] },
    });
    expect(decoded[1]).toMatchObject({ deleted: true, key: { cluster: 'k8s', cidr: '2001:db8::/64' } });
    expect(decoded[2]).toMatchObject({
      kind: 'conflict',
      state: { id: '7', since: '2026-11-21T09:59:59.500Z' },
    });
    expect(decoded[3]).toEqual({
      kind: 'conflict',
      revision: 103,
      at: '2026-11-21T10:00:00.000Z',
      deleted: true,
      key: { id: '7' },
    });
  });
});
