import { Injectable } from '@nestjs/common';
import {
  ConflictError,
  decodeCursor,
  NotFoundError,
  PgService,
  pageOf,
  type Page,
} from '@isthmus/service-kit';
import { poolUtilization, utilizationView } from '../core';
import { SqlState, sqlStateOf } from '../db/sql-state';
import { describeAllocations } from '../allocations/allocation';
import { AllocationStore } from '../allocations/allocation-store';
import { describePool, poolView, type Pool, type PoolView } from './pool';
import type { CreatePoolBody, PoolPageQuery } from './pool.dto';
import { PoolStore } from './pool-store';
import { PlanFeed, planRevisionOf } from '../feed/plan-feed';

/** Used and free space of a pool; counts are decimal strings (an IPv6 pool outgrows JSON numbers). */
export interface UtilizationView {
  pool: string;
  cidr: string;
  allocations: number;
  size: string;
  used: string;
  free: string;
  usedPercent: number;
  /** The largest free CIDR block (the lowest on a tie); null when the pool is full. */
  largestFreeBlock: string | null;
  /** Free space as the fewest CIDR blocks, lowest first. */
  freeBlocks: string[];
}

@Injectable()
export class PoolsService {
  constructor(
    private readonly pg: PgService,
    private readonly pools: PoolStore,
    private readonly allocations: AllocationStore,
    /** Read-your-writes: a pool written here is in this replica's lookup before the answer. */
    private readonly plan: PlanFeed,
  ) {}

  /** No two pools overlap: the exclusion constraint refuses the second, and the 409 names the first. */
  async create(body: CreatePoolBody): Promise<PoolView> {
    for (;;) {
      try {
        const pool = await this.pools.insert(body);
        await this.plan.catchUp();
        return poolView(pool);
      } catch (e) {
        const state = sqlStateOf(e);
        if (state === SqlState.uniqueViolation) {
          throw new ConflictError(`pool ${body.name} already exists; DELETE it first to change its prefix`);
        }
        if (state !== SqlState.exclusionViolation) throw e;
      }
      const holders = await this.pools.overlapping(body.cidr);
      // None left: the overlapping pool was deleted after the insert failed; try again.
      if (holders.length > 0) {
        throw new ConflictError(`${body.cidr} overlaps ${holders.map(describePool).join(', ')}`);
      }
    }
  }

  async get(name: string): Promise<PoolView> {
    return poolView(await this.require(name));
  }

  async list(q: PoolPageQuery): Promise<Page<PoolView>> {
    const after = decodeCursor(q.cursor, 1);
    const rows = await this.pools.list(after?.[0] ?? null, q.limit + 1);
    const page = pageOf(rows, q.limit, (p) => [p.name]);
    return { ...page, items: page.items.map(poolView) };
  }

  /** Only an empty pool can go: the 409 names the allocations to release first. */
  async delete(name: string): Promise<PoolView> {
    const deleted = await this.pg.transaction(async (sql) => {
      const pool = await this.pools.lockForDelete(sql, name);
      if (!pool) throw notFound(name);
      const count = await this.allocations.countInPool(name, sql);
      if (count > 0) {
        const named = await this.allocations.list({ pool: name }, 5, sql);
        throw new ConflictError(
          `${describePool(pool)} still has ${count} allocation${count > 1 ? 's' : ''}: ` +
            `${describeAllocations(named, count)}; release them first`,
        );
      }
      await this.pools.delete(sql, name);
      return { view: poolView(pool), revision: await planRevisionOf(sql) };
    });
    await this.plan.catchUp(deleted.revision);
    return deleted.view;
  }

  async utilization(name: string): Promise<UtilizationView> {
    const pool = await this.require(name);
    const occupied = await this.allocations.prefixesOf(name);
    const { size, used, free, usedPercent, largestFree, freeBlocks } = utilizationView(
      poolUtilization(pool.prefix, occupied),
    );
    return {
      pool: pool.name,
      cidr: pool.cidr,
      allocations: occupied.length,
      size,
      used,
      free,
      usedPercent,
      largestFreeBlock: largestFree,
      freeBlocks,
    };
  }

  private async require(name: string): Promise<Pool> {
    const pool = await this.pools.find(name);
    if (!pool) throw notFound(name);
    return pool;
  }
}

function notFound(name: string): NotFoundError {
  return new NotFoundError(`pool ${name} does not exist`);
}
