import { describe, expect, it } from 'vitest';
import type { BlockVerdict } from '../core';
import { PendingEvents, type OutgoingEvent } from './pending-events';

const verdict = (cidr: string, status: BlockVerdict['status']): OutgoingEvent => ({
  kind: 'verdict',
  subject: `t.ipam.verdict.k8s.${cidr}`,
  cluster: 'k8s',
  cidr,
  verdict: {
    cluster: 'k8s',
    cidr,
    node: 'n',
    status,
    allocation: 'no-pod-allocation',
    excludedBy: [],
    excludedByTotal: 0,
    excludingTotal: 0,
  },
  at: 0,
});
const statusOf = (e: { event: OutgoingEvent }) =>
  e.event.kind === 'verdict' ? e.event.verdict?.status : undefined;

describe('PendingEvents', () => {
  it('keeps the latest event per subject, in the place of the first', () => {
    const p = new PendingEvents();
    p.set(verdict('a', 'valid'));
    p.set(verdict('b', 'valid'));
    p.set(verdict('a', 'conflict'));
    expect(p.size).toBe(2);
    const batch = p.take(10);
    expect(batch.map((e) => [e.event.subject, statusOf(e)])).toEqual([
      ['t.ipam.verdict.k8s.a', 'conflict'],
      ['t.ipam.verdict.k8s.b', 'valid'],
    ]);
    expect(p.size).toBe(0);
  });

  it('takes at most the batch size, oldest first', () => {
    const p = new PendingEvents();
    for (const c of ['a', 'b', 'c']) p.set(verdict(c, 'valid'));
    expect(p.take(2).map((e) => e.event.subject)).toEqual(['t.ipam.verdict.k8s.a', 't.ipam.verdict.k8s.b']);
    expect(p.take(2).map((e) => e.event.subject)).toEqual(['t.ipam.verdict.k8s.c']);
  });

  it('puts a failed batch back in front with its revisions, unless a newer event replaced one', () => {
    const p = new PendingEvents();
    for (const c of ['a', 'b']) p.set(verdict(c, 'valid'));
    const failed = p.take(2);
    failed.forEach((e, i) => (e.revision = 10 + i));
    p.set(verdict('c', 'valid'));
    p.set(verdict('b', 'conflict'));
    p.putBack(failed);
    const retry = p.take(10);
    expect(retry.map((e) => [e.event.subject, statusOf(e), e.revision])).toEqual([
      ['t.ipam.verdict.k8s.a', 'valid', 10],
      ['t.ipam.verdict.k8s.c', 'valid', undefined],
      ['t.ipam.verdict.k8s.b', 'conflict', undefined],
    ]);
  });
});
