import { IpamInputError } from '../errors';
import { addressBits, hostMask, type Prefix } from '../prefix/prefix';
import { formatPrefix } from '../prefix/prefix-text';
import { freeRanges, occupiedRanges, rangeSize } from './address-range';
import { largestFreeBlock } from './utilization';

export type NextFreeBlock =
  | { kind: 'allocated'; prefix: Prefix }
  /** No aligned block of the requested length is free; what is left, for the 409 message. */
  | { kind: 'exhausted'; requestedLength: number; largestFree: Prefix | null; freeAddresses: bigint };

/** Refuses a length that cannot come out of the pool (a 400, unlike exhaustion which is a 409). */
export function checkRequestedLength(pool: Prefix, length: number): void {
  const bits = addressBits(pool.family);
  if (!Number.isInteger(length) || length < pool.length || length > bits) {
    throw new IpamInputError(
      'prefix-length-out-of-range',
      `a /${length} cannot be allocated from the pool ${formatPrefix(pool)}: ask for a prefix length from ${pool.length} to ${bits}`,
    );
  }
}

/**
 * The lowest-addressed free block of `length` bits that is aligned on its own size (a CIDR
 * block's network address has zero host bits), given what is occupied in the pool. One pass over
 * the gaps: in each gap the first aligned address is the gap's start rounded up to the block size.
 */
export function nextFreeBlock(pool: Prefix, occupied: readonly Prefix[], length: number): NextFreeBlock {
  checkRequestedLength(pool, length);
  const mask = hostMask(pool.family, length);
  const free = freeRanges(pool, occupiedRanges(pool, occupied));
  for (const gap of free) {
    const base = (gap.first + mask) & ~mask;
    if (base + mask <= gap.last) return { kind: 'allocated', prefix: { family: pool.family, base, length } };
  }
  return {
    kind: 'exhausted',
    requestedLength: length,
    largestFree: largestFreeBlock(pool.family, free),
    freeAddresses: free.reduce((sum, r) => sum + rangeSize(r), 0n),
  };
}

/** What the API says when a "next free /N" cannot be served. */
export function describeExhaustion(
  pool: Prefix,
  result: Extract<NextFreeBlock, { kind: 'exhausted' }>,
): string {
  const wanted = `the pool ${formatPrefix(pool)} has no free /${result.requestedLength}`;
  if (!result.largestFree) return `${wanted}: it is full`;
  return `${wanted}: the largest free block is ${formatPrefix(result.largestFree)} (${result.freeAddresses} addresses free in all)`;
}
