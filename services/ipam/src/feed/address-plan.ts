import type { PlanAllocation, PlanPool } from '../lookup/lookup-index';
import type { PlanChange } from './plan-changes';

/** What changed in the plan, key by key, from before a batch to after it (nothing twice). */
export interface PlanDelta {
  /** Pools new or with other values; put replaces the pool of the same name. */
  poolsPut: PlanPool[];
  /** Pools gone, as they were. */
  poolsRemoved: PlanPool[];
  allocationsPut: PlanAllocation[];
  allocationsRemoved: PlanAllocation[];
}

/**
 * A replica's copy of the address plan (pools by name, allocations by id), pure: it turns either
 * a whole read (replace) or the changes of the plan log (apply) into the delta its lookup index
 * and validator take. Both paths give the same delta for the same end state, so a whole read
 * costs a diff, never a rebuild of the index.
 */
export class AddressPlan {
  private readonly pools = new Map<string, PlanPool>();
  private readonly allocations = new Map<number, PlanAllocation>();

  get poolCount(): number {
    return this.pools.size;
  }

  get allocationCount(): number {
    return this.allocations.size;
  }

  /** Pools and allocations, sorted by name and id (for comparisons). */
  snapshot(): { pools: PlanPool[]; allocations: PlanAllocation[] } {
    return {
      pools: [...this.pools.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      allocations: [...this.allocations.values()].sort((a, b) => a.id - b.id),
    };
  }

  /** Becomes exactly this plan. */
  replace(pools: readonly PlanPool[], allocations: readonly PlanAllocation[]): PlanDelta {
    const batch = new Batch(this.pools, this.allocations);
    const poolNames = new Set(pools.map((p) => p.name));
    const allocationIds = new Set(allocations.map((a) => a.id));
    for (const name of [...this.pools.keys()]) if (!poolNames.has(name)) batch.setPool(name, undefined);
    for (const id of [...this.allocations.keys()])
      if (!allocationIds.has(id)) batch.setAllocation(id, undefined);
    for (const p of pools) batch.setPool(p.name, p);
    for (const a of allocations) batch.setAllocation(a.id, a);
    return batch.delta();
  }

  /** Applies changes in log order (revision, ordinal). A truncate empties its table. */
  apply(changes: readonly PlanChange[]): PlanDelta {
    const batch = new Batch(this.pools, this.allocations);
    for (const c of changes) {
      if (c.op === 'truncate') {
        if (c.relation === 'pool') for (const name of [...this.pools.keys()]) batch.setPool(name, undefined);
        else for (const id of [...this.allocations.keys()]) batch.setAllocation(id, undefined);
      } else if ('pool' in c) batch.setPool(c.pool.name, c.op === 'delete' ? undefined : c.pool);
      else batch.setAllocation(c.allocation.id, c.op === 'delete' ? undefined : c.allocation);
    }
    return batch.delta();
  }
}

/** Writes into the maps and remembers each touched key's value before the batch. */
class Batch {
  private readonly poolsBefore = new Map<string, PlanPool | undefined>();
  private readonly allocationsBefore = new Map<number, PlanAllocation | undefined>();

  constructor(
    private readonly pools: Map<string, PlanPool>,
    private readonly allocations: Map<number, PlanAllocation>,
  ) {}

  setPool(name: string, pool: PlanPool | undefined): void {
    if (!this.poolsBefore.has(name)) this.poolsBefore.set(name, this.pools.get(name));
    if (pool) this.pools.set(name, { name: pool.name, cidr: pool.cidr });
    else this.pools.delete(name);
  }

  setAllocation(id: number, allocation: PlanAllocation | undefined): void {
    if (!this.allocationsBefore.has(id)) this.allocationsBefore.set(id, this.allocations.get(id));
    if (allocation) {
      const { pool, cluster, purpose, cidr } = allocation;
      this.allocations.set(id, { id, pool, cluster, purpose, cidr });
    } else this.allocations.delete(id);
  }

  delta(): PlanDelta {
    const delta: PlanDelta = { poolsPut: [], poolsRemoved: [], allocationsPut: [], allocationsRemoved: [] };
    for (const [name, before] of this.poolsBefore) {
      const after = this.pools.get(name);
      if (after && !(before && before.cidr === after.cidr)) delta.poolsPut.push(after);
      else if (!after && before) delta.poolsRemoved.push(before);
    }
    for (const [id, before] of this.allocationsBefore) {
      const after = this.allocations.get(id);
      if (after && !(before && sameAllocation(before, after))) delta.allocationsPut.push(after);
      else if (!after && before) delta.allocationsRemoved.push(before);
    }
    return delta;
  }
}

function sameAllocation(a: PlanAllocation, b: PlanAllocation): boolean {
  return a.pool === b.pool && a.cluster === b.cluster && a.purpose === b.purpose && a.cidr === b.cidr;
}
