import type { IpFamily } from '@isthmus/net';
import type { Prefix } from '../core';

export const PURPOSES = ['pods', 'services', 'load-balancers'] as const;
export type Purpose = (typeof PURPOSES)[number];

/** A prefix of a pool given to a cluster for a purpose. */
export interface Allocation {
  id: number;
  pool: string;
  cluster: string;
  purpose: Purpose;
  /** Canonical CIDR text, as stored. */
  cidr: string;
  prefix: Prefix;
  createdAt: Date;
}

export interface AllocationView {
  id: number;
  pool: string;
  cluster: string;
  purpose: Purpose;
  cidr: string;
  family: IpFamily;
  createdAt: string;
}

export function allocationView(a: Allocation): AllocationView {
  return {
    id: a.id,
    pool: a.pool,
    cluster: a.cluster,
    purpose: a.purpose,
    cidr: a.cidr,
    family: a.prefix.family,
    createdAt: a.createdAt.toISOString(),
  };
}

/** How messages name an allocation: `allocation 3 (cluster k8s, pods) 192.168.0.0/17`. */
export function describeAllocation(a: Pick<Allocation, 'id' | 'cluster' | 'purpose' | 'cidr'>): string {
  return `allocation ${a.id} (cluster ${a.cluster}, ${a.purpose}) ${a.cidr}`;
}

/** Names at most `max` allocations, then how many more there are. */
export function describeAllocations(list: readonly Allocation[], total = list.length, max = 5): string {
  const named = list.slice(0, max).map(describeAllocation).join(', ');
  return total > max ? `${named} and ${total - max} more` : named;
}
