import type { IpFamily } from '@isthmus/net';
import type { Prefix } from '../core';

/** A supernet that allocations are taken from. */
export interface Pool {
  name: string;
  /** Canonical CIDR text, as stored. */
  cidr: string;
  prefix: Prefix;
  description: string;
  createdAt: Date;
}

export interface PoolView {
  name: string;
  cidr: string;
  family: IpFamily;
  description: string;
  createdAt: string;
}

export function poolView(pool: Pool): PoolView {
  return {
    name: pool.name,
    cidr: pool.cidr,
    family: pool.prefix.family,
    description: pool.description,
    createdAt: pool.createdAt.toISOString(),
  };
}

/** How messages name a pool: `pool seed-002 (192.168.0.0/16)`. */
export function describePool(pool: Pick<Pool, 'name' | 'cidr'>): string {
  return `pool ${pool.name} (${pool.cidr})`;
}
