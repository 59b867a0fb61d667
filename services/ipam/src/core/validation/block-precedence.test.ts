import { describe, expect, it } from 'vitest';
import { BlockValidator } from './block-validator';
import type { ValidatorInput } from './types';

/**
 * The precedence between overlapping blocks, case by case, as README.md ("The address plan")
 * and the OpenAPI descriptions of /v1/conflicts and the verdicts state it (issue 10, 7):
 *
 * 1. Two blocks conflict when they overlap, unless both are the same node's of one cluster.
 * 2. Of the two, a block outside its cluster's pod allocations never wins against one that is
 *    not (inside, or its cluster has no pod allocation of that family).
 * 3. Otherwise the one seen first wins; equal first sightings go to the lower registry revision
 *    of the first announcement, then to the lower "<cluster>/<cidr>".
 * 4. A block's status: `conflict` when at least one block wins against it (also when it is
 *    outside its allocation too), else `outside-allocation` when it is outside, else `valid`.
 * 5. Each pair is judged on its own: when the kept block goes away, its conflicts clear and the
 *    block it excluded is judged again against what is left.
 */
describe('which of two overlapping blocks is kept', () => {
  let revision = 0;
  const block = (cluster: string, cidr: string, firstSeen: number, node = 'n1'): ValidatorInput => ({
    type: 'block-upsert',
    block: { cluster, cidr, node, nextHop: '192.0.2.1', revision: ++revision, firstSeen },
  });
  const gone = (cluster: string, cidr: string): ValidatorInput => ({
    type: 'block-delete',
    cluster,
    cidr,
    revision: ++revision,
  });
  const pods = (id: string, cluster: string, cidr: string): ValidatorInput => ({
    type: 'allocation-upsert',
    allocation: { id, cluster, purpose: 'pods', cidr },
  });
  const statuses = (v: BlockValidator) =>
    Object.fromEntries([...v.verdicts()].map((x) => [`${x.cluster}/${x.cidr}`, x.status]));
  const kept = (v: BlockValidator) => v.conflicts().map((c) => c.id);

  it('two blocks inside their allocations: the one seen first is kept', () => {
    const v = new BlockValidator();
    v.apply([pods('a', 'a', '10.0.0.0/16'), pods('b', 'b', '10.0.0.0/16')], 0);
    v.apply([block('b', '10.0.1.0/24', 200), block('a', '10.0.0.0/20', 100)], 1);
    expect(statuses(v)).toEqual({ 'a/10.0.0.0/20': 'valid', 'b/10.0.1.0/24': 'conflict' });
    expect(kept(v)).toEqual(['a/10.0.0.0/20 > b/10.0.1.0/24']);
  });

  it('two blocks of clusters without pod allocations: the same age rule', () => {
    const v = new BlockValidator();
    v.apply([block('a', '10.0.0.0/24', 300), block('b', '10.0.0.0/24', 100)], 1);
    expect(statuses(v)).toEqual({ 'a/10.0.0.0/24': 'conflict', 'b/10.0.0.0/24': 'valid' });
  });

  it('inside against outside: the block inside wins, even when the outside one was seen first', () => {
    const v = new BlockValidator();
    v.apply([pods('a', 'a', '10.0.0.0/16'), pods('b', 'b', '10.1.0.0/16')], 0);
    // b's block lies in a's range, outside b's own allocation, and was there first.
    v.apply([block('b', '10.0.0.0/24', 100), block('a', '10.0.0.0/26', 200)], 1);
    expect(statuses(v)).toEqual({ 'a/10.0.0.0/26': 'valid', 'b/10.0.0.0/24': 'conflict' });
    expect(kept(v)).toEqual(['a/10.0.0.0/26 > b/10.0.0.0/24']);
  });

  it('no pod allocation counts as not outside: it wins against an outside block', () => {
    const v = new BlockValidator();
    v.apply([pods('b', 'b', '10.1.0.0/16')], 0);
    v.apply([block('b', '10.0.0.0/24', 100), block('a', '10.0.0.0/24', 200)], 1);
    expect(statuses(v)).toEqual({ 'a/10.0.0.0/24': 'valid', 'b/10.0.0.0/24': 'conflict' });
  });

  it('outside and overlapping a block that wins: `conflict`, not `outside-allocation`', () => {
    const v = new BlockValidator();
    v.apply([pods('a', 'a', '10.0.0.0/16'), pods('b', 'b', '10.1.0.0/16')], 0);
    v.apply([block('a', '10.0.0.0/24', 100), block('b', '10.0.0.0/25', 200)], 1);
    expect(statuses(v)).toEqual({ 'a/10.0.0.0/24': 'valid', 'b/10.0.0.0/25': 'conflict' });
    expect(v.verdict('b', '10.0.0.0/25')).toMatchObject({ status: 'conflict', allocation: 'outside' });
  });

  it('outside and overlapping nothing: `outside-allocation`', () => {
    const v = new BlockValidator();
    v.apply([pods('b', 'b', '10.1.0.0/16')], 0);
    v.apply([block('b', '10.9.0.0/24', 100)], 1);
    expect(statuses(v)).toEqual({ 'b/10.9.0.0/24': 'outside-allocation' });
  });

  it('both outside: the age rule decides; the kept one stays `outside-allocation`', () => {
    const v = new BlockValidator();
    v.apply([pods('a', 'a', '10.1.0.0/16'), pods('b', 'b', '10.2.0.0/16')], 0);
    v.apply([block('a', '10.9.0.0/24', 200), block('b', '10.9.0.0/24', 100)], 1);
    expect(statuses(v)).toEqual({ 'a/10.9.0.0/24': 'conflict', 'b/10.9.0.0/24': 'outside-allocation' });
    expect(kept(v)).toEqual(['b/10.9.0.0/24 > a/10.9.0.0/24']);
  });

  it('ties on first sighting: the lower first revision, then the lower "<cluster>/<cidr>"', () => {
    const v = new BlockValidator();
    // Same firstSeen; "z" was announced first (lower revision), so it wins over "a".
    v.apply([block('z', '10.0.0.0/24', 100), block('a', '10.0.0.0/24', 100)], 1);
    expect(statuses(v)).toEqual({ 'a/10.0.0.0/24': 'conflict', 'z/10.0.0.0/24': 'valid' });
    // Same firstSeen and first revision (two announcements a caller dated alike): the key decides.
    const w = new BlockValidator();
    const same = { node: 'n1', nextHop: '192.0.2.1', firstSeen: 100, firstRevision: 7 };
    w.apply(
      [
        { type: 'block-upsert', block: { ...same, cluster: 'z', cidr: '10.0.0.0/24', revision: 8 } },
        { type: 'block-upsert', block: { ...same, cluster: 'a', cidr: '10.0.0.0/24', revision: 9 } },
      ],
      1,
    );
    expect(statuses(w)).toEqual({ 'a/10.0.0.0/24': 'valid', 'z/10.0.0.0/24': 'conflict' });
  });

  it('nested blocks of one node of one cluster are not a conflict; of two nodes they are', () => {
    const v = new BlockValidator();
    v.apply([block('a', '10.0.0.0/24', 100, 'n1'), block('a', '10.0.0.0/26', 200, 'n1')], 1);
    expect(kept(v)).toEqual([]);
    v.apply([block('a', '10.0.0.64/26', 300, 'n2')], 2);
    expect(kept(v)).toEqual(['a/10.0.0.0/24 > a/10.0.0.64/26']);
  });

  it('the kept block goes away: the excluded one is judged again against what is left', () => {
    const v = new BlockValidator();
    v.apply([pods('c', 'c', '10.1.0.0/16')], 0);
    v.apply(
      [block('a', '10.0.0.0/24', 100), block('b', '10.0.0.0/25', 200), block('c', '10.0.0.0/26', 50)],
      1,
    );
    // c is outside its allocation: it never wins. a (seen first of the others) keeps b and c; b
    // keeps c too (each pair on its own).
    expect(statuses(v)).toEqual({
      'a/10.0.0.0/24': 'valid',
      'b/10.0.0.0/25': 'conflict',
      'c/10.0.0.0/26': 'conflict',
    });
    expect(kept(v).sort()).toEqual([
      'a/10.0.0.0/24 > b/10.0.0.0/25',
      'a/10.0.0.0/24 > c/10.0.0.0/26',
      'b/10.0.0.0/25 > c/10.0.0.0/26',
    ]);

    const changes = v.apply([gone('a', '10.0.0.0/24')], 2);
    expect(changes.conflictsClosed.map((c) => c.id).sort()).toEqual([
      'a/10.0.0.0/24 > b/10.0.0.0/25',
      'a/10.0.0.0/24 > c/10.0.0.0/26',
    ]);
    expect(changes.conflictsOpened).toEqual([]);
    // b is valid now; c still loses against b.
    expect(statuses(v)).toEqual({ 'b/10.0.0.0/25': 'valid', 'c/10.0.0.0/26': 'conflict' });

    v.apply([gone('b', '10.0.0.0/25')], 3);
    // Nothing overlaps c any more: what is left is that it lies outside its allocation.
    expect(statuses(v)).toEqual({ 'c/10.0.0.0/26': 'outside-allocation' });
    expect(kept(v)).toEqual([]);
  });

  it('the kept block announced again later is a new, younger block: the other one wins now', () => {
    const v = new BlockValidator();
    v.apply([block('a', '10.0.0.0/24', 100), block('b', '10.0.0.0/24', 200)], 1);
    v.apply([gone('a', '10.0.0.0/24')], 2);
    v.apply([block('a', '10.0.0.0/24', 300)], 3);
    expect(statuses(v)).toEqual({ 'a/10.0.0.0/24': 'conflict', 'b/10.0.0.0/24': 'valid' });
  });
});
