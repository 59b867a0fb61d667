import { describe, expect, it } from 'vitest';
import { BlockValidator } from './block-validator';
import type { AnnouncedBlock, ValidationChanges, ValidatorInput } from './types';
import { VERDICT_PARTY_LIMIT } from './verdict';

let revision = 0;
function announce(cluster: string, cidr: string, node: string, firstSeen: number): ValidatorInput {
  const block: AnnouncedBlock = {
    cluster,
    cidr,
    node,
    nextHop: '192.0.2.1',
    revision: ++revision,
    firstSeen,
  };
  return { type: 'block-upsert', block };
}
function withdraw(cluster: string, cidr: string): ValidatorInput {
  return { type: 'block-delete', cluster, cidr, revision: ++revision };
}
function allocate(id: string, cluster: string, cidr: string, purpose = 'pods'): ValidatorInput {
  return { type: 'allocation-upsert', allocation: { id, cluster, purpose, cidr } };
}

/** The changes in one line each, for readable expectations. */
function summary(changes: ValidationChanges): string[] {
  return [
    ...changes.verdicts.map(({ cluster, cidr, verdict: v }) =>
      v
        ? `verdict ${cluster}/${cidr} ${v.status}${v.excludedByTotal ? ` by ${v.excludedBy.map((p) => `${p.cluster}/${p.cidr}`).join(',')}` : ''}${v.excludingTotal ? ` excluding ${v.excludingTotal}` : ''}`
        : `verdict ${cluster}/${cidr} gone`,
    ),
    ...changes.conflictsOpened.map((c) => `opened ${c.id} since ${c.since}`),
    ...changes.conflictsClosed.map((c) => `closed ${c.id}`),
  ].sort();
}

function status(validator: BlockValidator, cluster: string, cidr: string) {
  return validator.verdict(cluster, cidr)?.status;
}

describe('BlockValidator', () => {
  it('issue 4: a Kubernetes and a DC/OS block overlap; the later is excluded until it goes away', () => {
    const v = new BlockValidator();
    expect(summary(v.apply([announce('k8s', '192.168.0.0/26', 'worker-1', 1000)], 1000))).toEqual([
      'verdict k8s/192.168.0.0/26 valid',
    ]);
    // The DC/OS agent subnet (a /24, seed 000) covers the Calico /26 (seed 002): one conflict.
    expect(summary(v.apply([announce('dcos', '192.168.0.0/24', 'agent-1', 2000)], 2000))).toEqual([
      'opened k8s/192.168.0.0/26 > dcos/192.168.0.0/24 since 2000',
      'verdict dcos/192.168.0.0/24 conflict by k8s/192.168.0.0/26',
      'verdict k8s/192.168.0.0/26 valid excluding 1',
    ]);
    expect(v.conflicts()).toEqual([
      {
        id: 'k8s/192.168.0.0/26 > dcos/192.168.0.0/24',
        kept: { cluster: 'k8s', cidr: '192.168.0.0/26', firstSeen: 1000 },
        excluded: { cluster: 'dcos', cidr: '192.168.0.0/24', firstSeen: 2000 },
        since: 2000,
      },
    ]);
    // The offending block goes away: the conflict clears by itself, and both verdicts change.
    expect(summary(v.apply([withdraw('dcos', '192.168.0.0/24')], 3000))).toEqual([
      'closed k8s/192.168.0.0/26 > dcos/192.168.0.0/24',
      'verdict dcos/192.168.0.0/24 gone',
      'verdict k8s/192.168.0.0/26 valid',
    ]);
    expect(v.conflicts()).toEqual([]);
  });

  it('the earlier owner wins whatever order the events arrive in', () => {
    const v = new BlockValidator();
    v.apply([announce('dcos', '192.168.0.0/24', 'agent-1', 2000)], 5000);
    expect(status(v, 'dcos', '192.168.0.0/24')).toBe('valid');
    // The Kubernetes block was seen first (firstSeen 1000) though its event is replayed later.
    expect(summary(v.apply([announce('k8s', '192.168.0.0/26', 'worker-1', 1000)], 5001))).toEqual([
      'opened k8s/192.168.0.0/26 > dcos/192.168.0.0/24 since 5001',
      'verdict dcos/192.168.0.0/24 conflict by k8s/192.168.0.0/26',
      'verdict k8s/192.168.0.0/26 valid excluding 1',
    ]);
  });

  it("seed 002's plan: Calico /26 blocks inside the k8s /17, DC/OS /24s inside the DC/OS /17", () => {
    const v = new BlockValidator();
    const changes = v.apply(
      [
        allocate('k8s-pods', 'k8s', '192.168.0.0/17'),
        allocate('dcos-pods', 'dcos', '192.168.128.0/17'),
        announce('k8s', '192.168.0.0/26', 'worker-1', 1),
        announce('k8s', '192.168.0.64/26', 'worker-2', 1),
        announce('k8s', '192.168.1.0/26', 'worker-3', 1),
        announce('dcos', '192.168.128.0/24', 'agent-1', 1),
        announce('dcos', '192.168.129.0/24', 'agent-2', 1),
      ],
      1,
    );
    expect(changes.verdicts.map((c) => [c.cidr, c.verdict?.status, c.verdict?.allocation])).toEqual([
      ['192.168.0.0/26', 'valid', 'inside'],
      ['192.168.0.64/26', 'valid', 'inside'],
      ['192.168.1.0/26', 'valid', 'inside'],
      ['192.168.128.0/24', 'valid', 'inside'],
      ['192.168.129.0/24', 'valid', 'inside'],
    ]);
    expect(changes.conflictsOpened).toEqual([]);
    // A k8s block in the DC/OS range is outside its cluster's allocation.
    expect(summary(v.apply([announce('k8s', '192.168.200.0/26', 'worker-4', 2)], 2))).toEqual([
      'verdict k8s/192.168.200.0/26 outside-allocation',
    ]);
  });

  it('a re-announcement by the same owner changes nothing; a stale or repeated revision is ignored', () => {
    const v = new BlockValidator();
    const first = announce('k8s', '10.0.0.0/26', 'worker-1', 1);
    v.apply([first], 1);
    expect(summary(v.apply([announce('k8s', '10.0.0.0/26', 'worker-1', 1)], 2))).toEqual([]);
    expect(summary(v.apply([first], 3))).toEqual([]);
    // A tombstone older than the block's state is ignored.
    expect(
      summary(v.apply([{ type: 'block-delete', cluster: 'k8s', cidr: '10.0.0.0/26', revision: 1 }], 4)),
    ).toEqual([]);
    expect(status(v, 'k8s', '10.0.0.0/26')).toBe('valid');
    // After a delete, a replayed older announcement cannot bring the block back.
    v.apply([withdraw('k8s', '10.0.0.0/26')], 5);
    expect(summary(v.apply([first], 6))).toEqual([]);
    expect(v.blockCount).toBe(0);
  });

  it('a block moving to another node of its cluster is not a conflict (upsert, or delete + upsert)', () => {
    const v = new BlockValidator();
    v.apply([announce('k8s', '10.0.0.0/26', 'worker-1', 1)], 1);
    const moved = v.apply([announce('k8s', '10.0.0.0/26', 'worker-2', 1)], 2);
    expect(moved.verdicts.map((c) => c.verdict?.node)).toEqual(['worker-2']);
    expect(moved.conflictsOpened).toEqual([]);
    const again = v.apply([withdraw('k8s', '10.0.0.0/26'), announce('k8s', '10.0.0.0/26', 'worker-3', 3)], 3);
    expect(again.verdicts.map((c) => [c.verdict?.node, c.verdict?.status])).toEqual([['worker-3', 'valid']]);
    expect(again.conflictsOpened).toEqual([]);
  });

  it('overlapping blocks of two nodes of one cluster conflict; nested blocks of one node do not', () => {
    const v = new BlockValidator();
    v.apply(
      [
        announce('k8s', '10.0.0.0/24', 'worker-1', 1),
        // The node's podCIDR and the Calico block inside it, both on worker-1.
        announce('k8s', '10.0.0.0/26', 'worker-1', 2),
      ],
      1,
    );
    expect(v.conflicts()).toEqual([]);
    expect(summary(v.apply([announce('k8s', '10.0.0.64/26', 'worker-2', 3)], 2))).toEqual([
      'opened k8s/10.0.0.0/24 > k8s/10.0.0.64/26 since 2',
      'verdict k8s/10.0.0.0/24 valid excluding 1',
      'verdict k8s/10.0.0.64/26 conflict by k8s/10.0.0.0/24',
    ]);
    // worker-2's block moves to worker-1: the same owner now, the conflict closes.
    expect(summary(v.apply([announce('k8s', '10.0.0.64/26', 'worker-1', 3)], 3))).toEqual([
      'closed k8s/10.0.0.0/24 > k8s/10.0.0.64/26',
      'verdict k8s/10.0.0.0/24 valid',
      'verdict k8s/10.0.0.64/26 valid',
    ]);
  });

  it('equal CIDRs in two clusters: the earlier wins', () => {
    const v = new BlockValidator();
    v.apply([announce('b', '10.1.0.0/24', 'n', 7), announce('a', '10.1.0.0/24', 'n', 9)], 1);
    expect([status(v, 'b', '10.1.0.0/24'), status(v, 'a', '10.1.0.0/24')]).toEqual(['valid', 'conflict']);
  });

  it('ties on firstSeen go to the lower revision, then to the lower key', () => {
    const v = new BlockValidator();
    const later = {
      cluster: 'a',
      cidr: '10.1.0.0/24',
      node: 'n',
      nextHop: '192.0.2.1',
      firstSeen: 5,
      revision: 20,
    };
    const earlier = { ...later, cluster: 'b', revision: 10 };
    v.apply(
      [
        { type: 'block-upsert', block: later },
        { type: 'block-upsert', block: earlier },
      ],
      1,
    );
    expect([status(v, 'b', '10.1.0.0/24'), status(v, 'a', '10.1.0.0/24')]).toEqual(['valid', 'conflict']);
    const w = new BlockValidator();
    w.apply(
      [
        { type: 'block-upsert', block: { ...earlier, cluster: 'z' } },
        { type: 'block-upsert', block: { ...earlier, cluster: 'y' } },
      ],
      1,
    );
    expect([status(w, 'y', '10.1.0.0/24'), status(w, 'z', '10.1.0.0/24')]).toEqual(['valid', 'conflict']);
  });

  it('a persisted first revision breaks ties the same way in a validator that replayed later', () => {
    // Two blocks first announced in one registry batch (same firstSeen); "b" was first announced
    // at revision 10 and updated since (revision 30): a replay delivers only revision 30.
    const a = {
      cluster: 'a',
      cidr: '10.1.0.0/24',
      node: 'n',
      nextHop: '192.0.2.1',
      firstSeen: 5,
      revision: 20,
    };
    const b = { ...a, cluster: 'b', revision: 10 };
    const live = new BlockValidator();
    live.apply([{ type: 'block-upsert', block: b }], 1);
    live.apply([{ type: 'block-upsert', block: a }], 1);
    live.apply([{ type: 'block-upsert', block: { ...b, revision: 30, nextHop: '192.0.2.2' } }], 1);
    expect([status(live, 'b', '10.1.0.0/24'), status(live, 'a', '10.1.0.0/24')]).toEqual([
      'valid',
      'conflict',
    ]);

    const replayed = new BlockValidator();
    replayed.apply(
      [
        { type: 'block-upsert', block: { ...a, firstRevision: 20 } },
        { type: 'block-upsert', block: { ...b, revision: 30, nextHop: '192.0.2.2', firstRevision: 10 } },
      ],
      1,
    );
    expect([status(replayed, 'b', '10.1.0.0/24'), status(replayed, 'a', '10.1.0.0/24')]).toEqual([
      'valid',
      'conflict',
    ]);
    // Without it, the replay would see revision 30 as b's first and give the tie to a.
    const forgetful = new BlockValidator();
    forgetful.apply(
      [
        { type: 'block-upsert', block: a },
        { type: 'block-upsert', block: { ...b, revision: 30 } },
      ],
      1,
    );
    expect(status(forgetful, 'b', '10.1.0.0/24')).toBe('conflict');
  });

  it('a DC/OS /24 over Kubernetes /26s: each /26 is one conflict', () => {
    const v = new BlockValidator();
    const k8s = ['192.168.0.0/26', '192.168.0.64/26', '192.168.0.128/26'];
    v.apply(
      k8s.map((cidr, i) => announce('k8s', cidr, `worker-${i}`, 1)),
      1,
    );
    const changes = v.apply([announce('dcos', '192.168.0.0/24', 'agent-1', 2)], 2);
    expect(changes.conflictsOpened.map((c) => c.kept.cidr)).toEqual(k8s);
    expect(v.verdict('dcos', '192.168.0.0/24')).toMatchObject({ status: 'conflict', excludedByTotal: 3 });
    // Older DC/OS /24 over younger Kubernetes /26s: the /24 keeps them all out.
    const w = new BlockValidator();
    w.apply([announce('dcos', '192.168.0.0/24', 'agent-1', 1)], 1);
    w.apply(
      k8s.map((cidr, i) => announce('k8s', cidr, `worker-${i}`, 2)),
      2,
    );
    expect(w.verdict('dcos', '192.168.0.0/24')).toMatchObject({ status: 'valid', excludingTotal: 3 });
    expect(k8s.map((cidr) => status(w, 'k8s', cidr))).toEqual(['conflict', 'conflict', 'conflict']);
  });

  it('three overlapping blocks: ordered by age, each later one conflicts with every earlier one', () => {
    const v = new BlockValidator();
    const changes = v.apply(
      [
        announce('c', '10.0.0.0/26', 'n', 3),
        announce('a', '10.0.0.0/24', 'n', 1),
        announce('b', '10.0.0.0/25', 'n', 2),
      ],
      1,
    );
    expect(summary(changes)).toEqual([
      'opened a/10.0.0.0/24 > b/10.0.0.0/25 since 1',
      'opened a/10.0.0.0/24 > c/10.0.0.0/26 since 1',
      'opened b/10.0.0.0/25 > c/10.0.0.0/26 since 1',
      'verdict a/10.0.0.0/24 valid excluding 2',
      'verdict b/10.0.0.0/25 conflict by a/10.0.0.0/24 excluding 1',
      'verdict c/10.0.0.0/26 conflict by a/10.0.0.0/24,b/10.0.0.0/25',
    ]);
    // The oldest goes away: b is valid again, c still yields to b.
    expect(summary(v.apply([withdraw('a', '10.0.0.0/24')], 2))).toEqual([
      'closed a/10.0.0.0/24 > b/10.0.0.0/25',
      'closed a/10.0.0.0/24 > c/10.0.0.0/26',
      'verdict a/10.0.0.0/24 gone',
      'verdict b/10.0.0.0/25 valid excluding 1',
      'verdict c/10.0.0.0/26 conflict by b/10.0.0.0/25',
    ]);
  });

  it('a block outside its allocation never wins, and an allocation change can turn a conflict around', () => {
    const v = new BlockValidator();
    // dcos announces into what will be the k8s range, before k8s does.
    v.apply(
      [announce('dcos', '192.168.0.0/24', 'agent-1', 1), announce('k8s', '192.168.0.0/26', 'worker-1', 2)],
      1,
    );
    expect(status(v, 'k8s', '192.168.0.0/26')).toBe('conflict');
    const changes = v.apply([allocate('dcos-pods', 'dcos', '192.168.128.0/17')], 2);
    expect(summary(changes)).toEqual([
      'closed dcos/192.168.0.0/24 > k8s/192.168.0.0/26',
      'opened k8s/192.168.0.0/26 > dcos/192.168.0.0/24 since 2',
      'verdict dcos/192.168.0.0/24 conflict by k8s/192.168.0.0/26',
      'verdict k8s/192.168.0.0/26 valid excluding 1',
    ]);
    expect(v.verdict('dcos', '192.168.0.0/24')?.allocation).toBe('outside');
    // Released again: back to the age rule.
    v.apply([{ type: 'allocation-delete', id: 'dcos-pods' }], 3);
    expect(status(v, 'k8s', '192.168.0.0/26')).toBe('conflict');
    expect(v.verdict('dcos', '192.168.0.0/24')).toMatchObject({
      status: 'valid',
      allocation: 'no-pod-allocation',
    });
  });

  it('only pod allocations of the same family constrain a block', () => {
    const v = new BlockValidator();
    v.apply(
      [
        allocate('svc', 'k8s', '10.96.0.0/12', 'services'),
        announce('k8s', '10.0.0.0/26', 'worker-1', 1),
        announce('k8s', '2001:db8:0:1::/64', 'worker-1', 1),
      ],
      1,
    );
    expect(status(v, 'k8s', '10.0.0.0/26')).toBe('valid');
    v.apply([allocate('pods4', 'k8s', '10.244.0.0/16')], 2);
    expect(v.verdict('k8s', '10.0.0.0/26')).toMatchObject({
      status: 'outside-allocation',
      allocation: 'outside',
    });
    expect(v.verdict('k8s', '2001:db8:0:1::/64')).toMatchObject({
      status: 'valid',
      allocation: 'no-pod-allocation',
    });
    // Moving the allocation over the block makes it valid again.
    v.apply([allocate('pods4', 'k8s', '10.0.0.0/16')], 3);
    expect(v.verdict('k8s', '10.0.0.0/26')).toMatchObject({ status: 'valid', allocation: 'inside' });
  });

  it('IPv6: /64 blocks out of a /48, an overlapping /63 of another cluster', () => {
    const v = new BlockValidator();
    v.apply(
      [
        allocate('k8s6', 'k8s', '2001:db8::/48'),
        announce('k8s', '2001:db8::/64', 'worker-1', 1),
        announce('k8s', '2001:db8:0:1::/64', 'worker-2', 1),
        announce('k8s', '2001:db8:0:2::/64', 'worker-3', 1),
      ],
      1,
    );
    expect(summary(v.apply([announce('nomad', '2001:db8::/63', 'client-1', 2)], 2))).toEqual([
      'opened k8s/2001:db8:0:1::/64 > nomad/2001:db8::/63 since 2',
      'opened k8s/2001:db8::/64 > nomad/2001:db8::/63 since 2',
      'verdict k8s/2001:db8:0:1::/64 valid excluding 1',
      'verdict k8s/2001:db8::/64 valid excluding 1',
      'verdict nomad/2001:db8::/63 conflict by k8s/2001:db8:0:1::/64,k8s/2001:db8::/64',
    ]);
    expect(status(v, 'k8s', '2001:db8:0:2::/64')).toBe('valid');
  });

  it('reports the net effect of a batch only', () => {
    const v = new BlockValidator();
    v.apply([announce('k8s', '10.0.0.0/26', 'worker-1', 1)], 1);
    // Opened and closed within one batch: nothing to publish.
    expect(
      summary(v.apply([announce('dcos', '10.0.0.0/24', 'agent-1', 2), withdraw('dcos', '10.0.0.0/24')], 2)),
    ).toEqual([]);
    v.apply([announce('dcos', '10.0.0.0/24', 'agent-1', 2)], 3);
    const [open] = v.conflicts();
    // Closed and reopened with the same roles (a node move of the loser): the record keeps its `since`.
    expect(
      summary(v.apply([withdraw('k8s', '10.0.0.0/26'), announce('k8s', '10.0.0.0/26', 'worker-1', 1)], 4)),
    ).toEqual([]);
    expect(v.conflicts()).toEqual([open]);
  });

  it('a block deleted and announced again in one batch is a new, younger block', () => {
    const v = new BlockValidator();
    v.apply(
      [announce('k8s', '10.0.0.0/26', 'worker-1', 1), announce('dcos', '10.0.0.0/24', 'agent-1', 2)],
      1,
    );
    // Gone and back (seen again at 3): it now yields to the DC/OS block, a new record each way.
    expect(
      summary(v.apply([withdraw('k8s', '10.0.0.0/26'), announce('k8s', '10.0.0.0/26', 'worker-1', 3)], 2)),
    ).toEqual([
      'closed k8s/10.0.0.0/26 > dcos/10.0.0.0/24',
      'opened dcos/10.0.0.0/24 > k8s/10.0.0.0/26 since 2',
      'verdict dcos/10.0.0.0/24 valid excluding 1',
      'verdict k8s/10.0.0.0/26 conflict by dcos/10.0.0.0/24',
    ]);
  });

  it('a winner deleted and announced again in one batch, still older: the record is renewed', () => {
    const v = new BlockValidator();
    v.apply(
      [announce('k8s', '10.0.0.0/26', 'worker-1', 1), announce('dcos', '10.0.0.0/24', 'agent-1', 10)],
      1,
    );
    const changes = v.apply(
      [withdraw('k8s', '10.0.0.0/26'), announce('k8s', '10.0.0.0/26', 'worker-1', 5)],
      2,
    );
    expect(summary(changes)).toEqual([
      'closed k8s/10.0.0.0/26 > dcos/10.0.0.0/24',
      'opened k8s/10.0.0.0/26 > dcos/10.0.0.0/24 since 2',
      // The party it yields to is another block now (seen at 5, not at 1).
      'verdict dcos/10.0.0.0/24 conflict by k8s/10.0.0.0/26',
    ]);
    expect(changes.conflictsClosed[0]?.kept.firstSeen).toBe(1);
    expect(changes.conflictsOpened[0]?.kept.firstSeen).toBe(5);
  });

  it(`names at most ${VERDICT_PARTY_LIMIT} parties in a verdict, the oldest, and counts them all`, () => {
    const v = new BlockValidator();
    v.apply(
      Array.from({ length: 64 }, (_, i) => announce('k8s', `10.0.${i}.0/24`, `worker-${i}`, 100 - i)),
      1,
    );
    v.apply([announce('dcos', '10.0.0.0/16', 'agent-1', 1000)], 2);
    const verdict = v.verdict('dcos', '10.0.0.0/16')!;
    expect(verdict.excludedByTotal).toBe(64);
    expect(verdict.excludedBy.map((p) => p.firstSeen)).toEqual([37, 38, 39, 40, 41, 42, 43, 44, 45, 46]);
  });

  it('refuses a batch with a malformed CIDR before changing anything', () => {
    const v = new BlockValidator();
    expect(() =>
      v.apply([announce('k8s', '10.0.0.0/26', 'w', 1), announce('k8s', '10.0.0.1/26', 'w', 1)], 1),
    ).toThrow(/host bits set/);
    expect(v.blockCount).toBe(0);
  });
});
