import { Injectable } from '@nestjs/common';
import {
  ConflictError,
  decodeCursor,
  InvalidInputError,
  NotFoundError,
  PgService,
  pageOf,
  type Page,
} from '@isthmus/service-kit';
import { checkRequestedLength, formatPrefix, IpamInputError, parsePrefix, type Prefix } from '../core';
import { IpamConfig } from '../config/config';
import { SqlState, sqlStateOf } from '../db/sql-state';
import { IpamMetrics } from '../metrics/ipam-metrics';
import { describePool, type Pool } from '../pools/pool';
import { PoolStore } from '../pools/pool-store';
import { PlanFeed } from '../feed/plan-feed';
import {
  allocationView,
  describeAllocations,
  type Allocation,
  type AllocationView,
  type Purpose,
} from './allocation';
import type { AllocationFilter, CreateAllocationBody } from './allocation.dto';
import { AllocationStore } from './allocation-store';
import { FreeSpaceStore } from './free-space-store';
import { checkRequestedPrefix } from './requested-prefix';

/** No free block of the length: what is left, for the 409. */
interface Exhausted {
  requestedLength: number;
  largestFree: Prefix | null;
}

/**
 * Allocations from pools. The database's exclusion constraint is what makes overlap impossible;
 * this service picks prefixes, explains refusals, and turns a lost race into another try.
 */
@Injectable()
export class AllocationsService {
  constructor(
    private readonly pg: PgService,
    private readonly pools: PoolStore,
    private readonly allocations: AllocationStore,
    private readonly freeSpace: FreeSpaceStore,
    private readonly metrics: IpamMetrics,
    private readonly config: IpamConfig,
    private readonly plan: PlanFeed,
  ) {}

  async allocate(poolName: string, body: CreateAllocationBody): Promise<AllocationView> {
    const request = { cluster: body.cluster, purpose: body.purpose };
    const allocation =
      body.cidr !== undefined
        ? await this.allocateExplicit(poolName, body.cidr, request)
        : await this.allocateNextFree(poolName, body.prefixLength!, request);
    // Read-your-writes: this replica's validator and lookup have it before the answer goes out.
    await this.plan.catchUp();
    return allocationView(allocation);
  }

  async get(id: number): Promise<AllocationView> {
    const allocation = await this.allocations.find(id);
    if (!allocation) throw new NotFoundError(`allocation ${id} does not exist (or was released)`);
    return allocationView(allocation);
  }

  /** Releases the prefix: it is free for the next request at once. */
  async release(id: number): Promise<AllocationView> {
    const allocation = await this.allocations.delete(id);
    if (!allocation) throw new NotFoundError(`allocation ${id} does not exist (or was released)`);
    await this.plan.catchUp();
    return allocationView(allocation);
  }

  async list(q: AllocationFilter): Promise<Page<AllocationView>> {
    if (q.pool !== undefined) await this.requirePool(q.pool);
    const after = decodeCursor(q.cursor, 1);
    const rows = await this.allocations.list(
      {
        ...(q.pool !== undefined ? { pool: q.pool } : {}),
        ...(q.cluster !== undefined ? { cluster: q.cluster } : {}),
        ...(q.purpose !== undefined ? { purpose: q.purpose } : {}),
        ...(after ? { afterCidr: after[0] } : {}),
      },
      q.limit + 1,
    );
    const page = pageOf(rows, q.limit, (a) => [a.cidr]);
    return { ...page, items: page.items.map(allocationView) };
  }

  /**
   * Exactly `cidr`. Whether it is free is decided by the insert itself (the exclusion
   * constraint), so two replicas asking for overlapping prefixes at once cannot both succeed.
   */
  private async allocateExplicit(
    poolName: string,
    cidr: string,
    request: { cluster: string; purpose: Purpose },
  ): Promise<Allocation> {
    const pool = await this.requirePool(poolName);
    checkRequestedPrefix(pool, cidr, parsePrefix(cidr));
    for (let attempt = 1; ; attempt++) {
      try {
        const allocation = await this.allocations.insert({
          ...request,
          pool: pool.name,
          poolCidr: pool.cidr,
          cidr,
        });
        this.metrics.allocationRequests.inc({ mode: 'explicit', result: 'allocated' });
        return allocation;
      } catch (e) {
        this.rethrowUnlessOverlap(e, pool);
      }
      const holders = await this.allocations.overlapping(cidr);
      // No holder left: it was released between the insert and this look; the insert may now win.
      if (holders.length > 0 || attempt >= this.config.allocationRetries) {
        this.metrics.allocationRequests.inc({ mode: 'explicit', result: 'conflict' });
        throw new ConflictError(
          holders.length > 0
            ? `${cidr} overlaps ${describeAllocations(holders)}`
            : `${cidr} was taken and released by concurrent requests ${attempt} times; retry`,
        );
      }
    }
  }

  /**
   * The lowest free aligned block of the length, found in the pool's free space (free_block: an
   * indexed lookup, not a read of every allocation). The search and the insert share a transaction
   * that holds the pool's row lock, and every other write of the pool's allocations (explicit,
   * release, from any replica or session) takes that lock first (a trigger does), so the writes
   * of one pool take turns and the free space cannot change between search and insert. Should an
   * insert still fail with 23P01 (the exclusion constraint stays the last word on overlap), the
   * search runs again on the new state, a bounded number of times.
   */
  private async allocateNextFree(
    poolName: string,
    length: number,
    request: { cluster: string; purpose: Purpose },
  ): Promise<Allocation> {
    for (let attempt = 1; attempt <= this.config.allocationRetries; attempt++) {
      let outcome: { pool: Pool; allocation: Allocation } | { pool: Pool; exhausted: Exhausted };
      try {
        outcome = await this.pg.transaction(async (sql) => {
          const pool = await this.pools.lockForSearch(sql, poolName);
          if (!pool) throw poolNotFound(poolName);
          asInvalidInput(() => checkRequestedLength(pool.prefix, length));
          const found = await this.freeSpace.lowestFree(sql, pool, length);
          if (!found) {
            const largestFree = await this.freeSpace.largestFree(sql, pool.name);
            return { pool, exhausted: { requestedLength: length, largestFree } };
          }
          const cidr = formatPrefix(found);
          const allocation = await this.allocations.insert(
            { ...request, pool: pool.name, poolCidr: pool.cidr, cidr },
            sql,
          );
          return { pool, allocation };
        });
      } catch (e) {
        this.rethrowUnlessOverlap(e, { name: poolName });
        this.metrics.allocationRetries.inc();
        continue;
      }
      if ('exhausted' in outcome) {
        this.metrics.allocationRequests.inc({ mode: 'next-free', result: 'exhausted' });
        throw new ConflictError(describeExhaustion(outcome.pool, outcome.exhausted));
      }
      this.metrics.allocationRequests.inc({ mode: 'next-free', result: 'allocated' });
      return outcome.allocation;
    }
    this.metrics.allocationRequests.inc({ mode: 'next-free', result: 'conflict' });
    throw new ConflictError(
      `no /${length} could be taken from pool ${poolName} in ${this.config.allocationRetries} attempts: ` +
        'concurrent allocations took each block found first; retry',
    );
  }

  private async requirePool(name: string): Promise<Pool> {
    const pool = await this.pools.find(name);
    if (!pool) throw poolNotFound(name);
    return pool;
  }

  /** Lets an exclusion violation through to the caller's retry; anything else is final. */
  private rethrowUnlessOverlap(e: unknown, pool: { name: string }): void {
    const state = sqlStateOf(e);
    if (state === SqlState.exclusionViolation) return;
    // The pool was deleted between reading it and inserting into it.
    if (state === SqlState.foreignKeyViolation) throw poolNotFound(pool.name);
    throw e;
  }
}

function poolNotFound(name: string): NotFoundError {
  return new NotFoundError(`pool ${name} does not exist; create it with POST /v1/pools`);
}

/** The core's refusals of a request (IpamInputError) are bad input: 400. */
function asInvalidInput(check: () => void): void {
  try {
    check();
  } catch (e) {
    if (e instanceof IpamInputError) throw new InvalidInputError(e.message);
    throw e;
  }
}

/** "no free /17 in pool seed-002 (192.168.0.0/16): largest free block is /18 192.168.192.0/18" */
function describeExhaustion(pool: Pool, result: Exhausted): string {
  const what = `no free /${result.requestedLength} in ${describePool(pool)}`;
  if (!result.largestFree) return `${what}: the pool is full`;
  return `${what}: largest free block is /${result.largestFree.length} ${formatPrefix(result.largestFree)}`;
}
