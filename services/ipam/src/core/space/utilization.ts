import { prefixSize, type IpFamily, type Prefix } from '../prefix/prefix';
import { formatPrefix } from '../prefix/prefix-text';
import { freeRanges, occupiedRanges, rangePrefixes, rangeSize, type AddressRange } from './address-range';

export interface PoolUtilization {
  pool: Prefix;
  /** Address counts; an IPv6 /0 pool has 2^128 addresses, hence bigint. */
  size: bigint;
  used: bigint;
  free: bigint;
  /** The largest free CIDR block, the lowest one on a tie; null when the pool is full. */
  largestFree: Prefix | null;
  /** Free space as the minimal set of CIDR blocks, lowest first. */
  freeBlocks: Prefix[];
}

/** The largest aligned block in free space (lowest on a tie), without cutting every gap into prefixes. */
export function largestFreeBlock(family: IpFamily, free: readonly AddressRange[]): Prefix | null {
  let best: Prefix | null = null;
  for (const gap of free) {
    // Only a block at least twice the size of the best one beats it; a smaller gap cannot hold one.
    if (best && rangeSize(gap) < prefixSize(best) * 2n) continue;
    for (const p of rangePrefixes(family, gap)) {
      if (!best || p.length < best.length) best = p;
    }
  }
  return best;
}

/** Used and free addresses of a pool, its largest free block and its free space as CIDRs. */
export function poolUtilization(pool: Prefix, occupied: readonly Prefix[]): PoolUtilization {
  const used = occupiedRanges(pool, occupied);
  const free = freeRanges(pool, used);
  const freeBlocks = free.flatMap((gap) => rangePrefixes(pool.family, gap));
  let largestFree: Prefix | null = null;
  for (const p of freeBlocks) if (!largestFree || p.length < largestFree.length) largestFree = p;
  const size = prefixSize(pool);
  const usedCount = used.reduce((sum, r) => sum + rangeSize(r), 0n);
  return { pool, size, used: usedCount, free: size - usedCount, largestFree, freeBlocks };
}

/** JSON-safe form for the API: counts as decimal strings (JSON numbers stop being exact at 2^53). */
export interface PoolUtilizationView {
  pool: string;
  size: string;
  used: string;
  free: string;
  /** Share of the pool in use, percent with two decimals. */
  usedPercent: number;
  largestFree: string | null;
  freeBlocks: string[];
}

export function utilizationView(u: PoolUtilization): PoolUtilizationView {
  return {
    pool: formatPrefix(u.pool),
    size: u.size.toString(),
    used: u.used.toString(),
    free: u.free.toString(),
    usedPercent: Number((u.used * 10_000n) / u.size) / 100,
    largestFree: u.largestFree ? formatPrefix(u.largestFree) : null,
    freeBlocks: u.freeBlocks.map(formatPrefix),
  };
}
