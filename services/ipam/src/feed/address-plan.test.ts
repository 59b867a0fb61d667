import { describe, expect, it } from 'vitest';
import { LookupIndex, type PlanAllocation, type PlanPool } from '../lookup/lookup-index';
import { AddressPlan } from './address-plan';
import { planChangesFollow, type PlanChange } from './plan-changes';

// A small seeded generator: every run makes the same sequences.
function generator(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

const POOLS: PlanPool[] = [
  { name: 'a', cidr: '10.0.0.0/8' },
  { name: 'b', cidr: '172.16.0.0/12' },
  { name: 'v6', cidr: '2001:db8::/32' },
];

/** Random inserts, updates and deletes of allocations (and a pool recreated with another prefix). */
function randomChanges(seed: number, count: number): PlanChange[] {
  const below = generator(seed);
  const live = new Map<number, PlanAllocation>();
  const changes: PlanChange[] = POOLS.map((pool, i) => ({ revision: 1, ordinal: i + 1, op: 'insert', pool }));
  let nextId = 1;
  for (let revision = 2; changes.length < count; revision++) {
    let ordinal = 0;
    for (let n = 1 + below(3); n > 0; n--) {
      const roll = below(10);
      const ids = [...live.keys()];
      if (roll < 5 || ids.length === 0) {
        const id = nextId++;
        const cidr = below(4) === 0 ? `2001:db8:${id.toString(16)}::/48` : `10.${id >> 8}.${id & 255}.0/24`;
        const a = {
          id,
          pool: cidr.includes(':') ? 'v6' : 'a',
          cluster: `c${below(4)}`,
          purpose: 'pods',
          cidr,
        };
        live.set(id, a);
        changes.push({ revision, ordinal: ++ordinal, op: 'insert', allocation: a });
      } else if (roll < 7) {
        const a = { ...live.get(ids[below(ids.length)]!)!, cluster: `c${below(4)}` };
        live.set(a.id, a);
        changes.push({ revision, ordinal: ++ordinal, op: 'update', allocation: a });
      } else if (roll < 9) {
        const a = live.get(ids[below(ids.length)]!)!;
        live.delete(a.id);
        changes.push({ revision, ordinal: ++ordinal, op: 'delete', allocation: a });
      } else {
        const cidr = below(2) === 0 ? '172.16.0.0/12' : '192.168.0.0/16';
        changes.push({ revision, ordinal: ++ordinal, op: 'delete', pool: { name: 'b', cidr: '' } });
        changes.push({ revision, ordinal: ++ordinal, op: 'insert', pool: { name: 'b', cidr } });
      }
    }
  }
  return changes;
}

/** Every owner at the first and last address of every prefix the changes named, and at some others. */
function probe(index: LookupIndex, changes: readonly PlanChange[]): string[] {
  const addresses = new Set(['10.0.0.1', '172.16.5.5', '192.168.1.1', '2001:db8:1::1', '8.8.8.8']);
  for (const c of changes) {
    if (c.op === 'truncate') continue;
    const cidr = 'pool' in c ? c.pool.cidr : c.allocation.cidr;
    if (cidr) addresses.add(cidr.split('/')[0]!);
  }
  return [...addresses]
    .sort()
    .map(
      (address) =>
        `${address} ${JSON.stringify(index.holders(address).matches, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`,
    );
}

describe('AddressPlan and the lookup index, change by change', () => {
  for (const seed of [1, 2, 3, 42, 1234]) {
    it(`random changes (seed ${seed}) give the same plan and index as a whole setPlan of the end state`, () => {
      const changes = randomChanges(seed, 300);
      const plan = new AddressPlan();
      const incremental = new LookupIndex();
      // Applied in batches of varying size, as reads of the log would.
      const below = generator(seed * 7);
      for (let i = 0; i < changes.length;) {
        const n = 1 + below(20);
        incremental.applyPlan(plan.apply(changes.slice(i, i + n)));
        i += n;
      }
      const end = plan.snapshot();
      const whole = new LookupIndex();
      whole.setPlan(end.pools, end.allocations);
      expect(incremental.size).toBe(whole.size);
      expect(probe(incremental, changes)).toEqual(probe(whole, changes));

      // A whole read of the same state (replace) changes nothing; of an older one, brings it back.
      expect(plan.replace(end.pools, end.allocations)).toEqual({
        poolsPut: [],
        poolsRemoved: [],
        allocationsPut: [],
        allocationsRemoved: [],
      });
      const other = new AddressPlan();
      const fromWhole = new LookupIndex();
      fromWhole.applyPlan(other.replace(end.pools, end.allocations));
      expect(other.snapshot()).toEqual(end);
      expect(probe(fromWhole, changes)).toEqual(probe(whole, changes));
    });
  }

  it('a key changed twice in one batch is one put, and one added and removed is nothing', () => {
    const plan = new AddressPlan();
    const a = { id: 1, pool: 'a', cluster: 'k', purpose: 'pods', cidr: '10.0.0.0/24' };
    const delta = plan.apply([
      { revision: 1, ordinal: 1, op: 'insert', allocation: a },
      { revision: 2, ordinal: 1, op: 'update', allocation: { ...a, cluster: 'z' } },
      { revision: 2, ordinal: 2, op: 'insert', allocation: { ...a, id: 2, cidr: '10.0.1.0/24' } },
      { revision: 3, ordinal: 1, op: 'delete', allocation: { ...a, id: 2, cidr: '10.0.1.0/24' } },
    ]);
    expect(delta.allocationsPut).toEqual([{ ...a, cluster: 'z' }]);
    expect(delta.allocationsRemoved).toEqual([]);
  });

  it('a truncate empties its table', () => {
    const plan = new AddressPlan();
    plan.replace(POOLS, [{ id: 1, pool: 'a', cluster: 'k', purpose: 'pods', cidr: '10.0.0.0/24' }]);
    const delta = plan.apply([{ revision: 5, ordinal: 1, op: 'truncate', relation: 'allocation' }]);
    expect(delta.allocationsRemoved.map((a) => a.id)).toEqual([1]);
    expect(plan.snapshot().pools).toEqual(POOLS);
  });
});

describe('planChangesFollow', () => {
  const a = { id: 1, pool: 'a', cluster: 'k', purpose: 'pods', cidr: '10.0.0.0/24' };
  const at = (revision: number, ordinal = 1): PlanChange => ({
    revision,
    ordinal,
    op: 'insert',
    allocation: a,
  });

  it('applies every revision from the applied one up to the head, each from ordinal 1', () => {
    expect(planChangesFollow(4, 4, [])).toBe('current');
    expect(planChangesFollow(4, 3, [])).toBe('current');
    expect(planChangesFollow(4, 6, [at(5), at(5, 2), at(6)])).toBe('apply');
  });

  it('reads whole when a revision or a row is missing, on a truncate, or when cut at the limit', () => {
    // Pruned past the applied revision: the log starts later, or is empty.
    expect(planChangesFollow(4, 6, [at(6)])).toBe('whole');
    expect(planChangesFollow(4, 6, [])).toBe('whole');
    // A hole in the middle (a long transaction's rows pruned), or short of the head.
    expect(planChangesFollow(4, 7, [at(5), at(7)])).toBe('whole');
    expect(planChangesFollow(4, 6, [at(5)])).toBe('whole');
    expect(planChangesFollow(4, 5, [at(5, 2)])).toBe('whole');
    expect(planChangesFollow(4, 5, [{ revision: 5, ordinal: 1, op: 'truncate', relation: 'pool' }])).toBe(
      'whole',
    );
    expect(planChangesFollow(4, 6, [at(5), at(6)], 2)).toBe('whole');
  });
});
