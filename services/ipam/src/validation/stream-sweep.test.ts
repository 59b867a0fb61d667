import { describe, expect, it } from 'vitest';
import { ipamSubjects, type IpamEvent } from '@isthmus/contracts';
import { tombstonesFor } from './stream-sweep';

const at = '2026-11-21T10:00:00.000Z';
const subjects = ipamSubjects('t');
const verdict = (cluster: string, cidr: string): IpamEvent => ({
  kind: 'verdict',
  revision: 1,
  at,
  deleted: false,
  state: {
    cluster,
    cidr,
    node: 'n',
    status: 'valid',
    allocation: 'no-pod-allocation',
    excludedBy: [],
    excludedByTotal: 0,
    excludingTotal: 0,
  },
});
const conflict = (id: string): IpamEvent => {
  const party = { cluster: 'k8s', cidr: '10.0.0.0/26', firstSeen: at };
  return {
    kind: 'conflict',
    revision: 2,
    at,
    deleted: false,
    state: { id, kept: party, excluded: party, since: at },
  };
};

describe('tombstonesFor', () => {
  it('sends tombstones for what the stream holds live and is gone here, nothing else', () => {
    const live = [
      verdict('k8s', '10.0.0.0/26'),
      verdict('k8s', '10.0.0.64/26'),
      conflict('1'),
      conflict('2'),
      {
        kind: 'verdict',
        revision: 3,
        at,
        deleted: true,
        key: { cluster: 'k8s', cidr: '10.0.1.0/26' },
      } as IpamEvent,
    ];
    const out = tombstonesFor(
      live,
      { hasBlock: (_c, cidr) => cidr === '10.0.0.0/26', hasConflict: (id) => id === '1' },
      subjects,
      42,
    );
    expect(out).toEqual([
      {
        kind: 'verdict',
        subject: 't.ipam.verdict.k8s.10-0-0-64_26',
        cluster: 'k8s',
        cidr: '10.0.0.64/26',
        verdict: null,
        at: 42,
      },
      { kind: 'conflict', subject: 't.ipam.conflict.2', id: '2', record: null, at: 42 },
    ]);
  });
});
