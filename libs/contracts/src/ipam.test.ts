import { describe, expect, it } from 'vitest';
import { decodeIpamEvent, ipamEvents, ipamSubjectOf, ipamSubjects, type IpamEvent } from './index';

const at = '2026-11-21T10:00:00.000Z';

const verdict: IpamEvent = {
  kind: 'verdict',
  revision: 1_048_577,
  at,
  deleted: false,
  state: {
    cluster: 'dcos',
    cidr: '192.168.55.128/26',
    node: 'agent-2.mesos',
    status: 'conflict',
    allocation: 'no-pod-allocation',
    excludedBy: [{ cluster: 'k8s', cidr: '192.168.55.128/26', firstSeen: at }],
    excludedByTotal: 1,
    excludingTotal: 0,
  },
};

const conflict: IpamEvent = {
  kind: 'conflict',
  revision: 9,
  at,
  deleted: false,
  state: {
    id: '12',
    kept: { cluster: 'k8s', cidr: '192.168.55.128/26', firstSeen: at },
    excluded: { cluster: 'dcos', cidr: '192.168.55.128/26', firstSeen: '2026-11-21T10:00:01.000Z' },
    since: '2026-11-21T10:00:01.000Z',
  },
};

describe('ipam subjects', () => {
  it('puts a verdict on its block: cluster and prefix one token each', () => {
    const s = ipamSubjects('t1');
    expect(s.verdict('k8s', '192.168.0.0/26')).toBe('t1.ipam.verdict.k8s.192-168-0-0_26');
    expect(s.verdict('k8s', '2001:db8::/64')).toBe('t1.ipam.verdict.k8s.2001:db8::_64');
    expect(s.conflict('42')).toBe('t1.ipam.conflict.42');
    expect(s.all).toEqual({
      ipam: 't1.ipam.>',
      verdicts: expect.any(Function),
      conflicts: 't1.ipam.conflict.*',
    });
    expect(s.all.verdicts()).toBe('t1.ipam.verdict.*.*');
    expect(s.all.verdicts('k8s')).toBe('t1.ipam.verdict.k8s.*');
  });
});

describe('decodeIpamEvent', () => {
  it('round-trips a verdict and a conflict on their own subjects', () => {
    for (const event of [verdict, conflict]) {
      const subject = ipamSubjectOf(event);
      expect(decodeIpamEvent(subject, JSON.stringify(event))).toEqual(event);
    }
    expect(ipamSubjectOf(verdict)).toBe('isthmus.ipam.verdict.dcos.192-168-55-128_26');
  });

  it('round-trips tombstones, which travel on the same subject as the state', () => {
    const gone: IpamEvent = {
      kind: 'verdict',
      revision: 2,
      at,
      deleted: true,
      key: { cluster: 'dcos', cidr: '192.168.55.128/26' },
    };
    const cleared: IpamEvent = { kind: 'conflict', revision: 10, at, deleted: true, key: { id: '12' } };
    expect(ipamSubjectOf(gone)).toBe(ipamSubjectOf(verdict));
    expect(ipamSubjectOf(cleared)).toBe(ipamSubjectOf(conflict));
    const { decode, revisionOf } = ipamEvents('isthmus');
    expect(decode(ipamSubjectOf(cleared), Buffer.from(JSON.stringify(cleared)))).toEqual(cleared);
    expect(revisionOf(cleared)).toBe(10);
  });

  it('refuses an event on another subject, in another root, or malformed', () => {
    expect(() => decodeIpamEvent('isthmus.ipam.verdict.k8s.10-0-0-0_24', JSON.stringify(verdict))).toThrow(
      /arrived on/,
    );
    expect(() => decodeIpamEvent(ipamSubjectOf(verdict), JSON.stringify(verdict), 'other')).toThrow(
      /arrived on/,
    );
    expect(() => decodeIpamEvent('x', 'nope')).toThrow(/not JSON/);
    const unknownStatus = { ...verdict, state: { ...(verdict as any).state, status: 'maybe' } };
    expect(() => decodeIpamEvent(ipamSubjectOf(verdict), JSON.stringify(unknownStatus))).toThrow(/status/);
    const badId = { ...conflict, state: { ...(conflict as any).state, id: 'a.b' } };
    expect(() => decodeIpamEvent('isthmus.ipam.conflict.a%2Eb', JSON.stringify(badId))).toThrow(/id/);
  });
});
