import { IpamInputError } from '../errors';
import { addressBits, prefixLast, type IpFamily, type Prefix } from '../prefix/prefix';

/** Inclusive range of addresses [first, last]; free space is kept as ranges, then cut into prefixes. */
export interface AddressRange {
  first: bigint;
  last: bigint;
}

/**
 * The occupied part of a pool as sorted, disjoint ranges (sort + sweep, O(n log n)). Allocations
 * never overlap (the database's exclusion constraint), but nested or duplicate inputs are merged
 * rather than trusted; prefixes outside the pool are ignored, one enclosing it fills it.
 */
export function occupiedRanges(pool: Prefix, occupied: readonly Prefix[]): AddressRange[] {
  const poolLast = prefixLast(pool);
  const inside: AddressRange[] = [];
  for (const p of occupied) {
    if (p.family !== pool.family) {
      throw new IpamInputError(
        'family-mismatch',
        `an IPv${p.family} prefix cannot occupy the IPv${pool.family} pool`,
      );
    }
    const last = prefixLast(p);
    if (last < pool.base || p.base > poolLast) continue;
    inside.push({ first: p.base < pool.base ? pool.base : p.base, last: last > poolLast ? poolLast : last });
  }
  inside.sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const merged: AddressRange[] = [];
  for (const r of inside) {
    const top = merged[merged.length - 1];
    if (top && r.first <= top.last + 1n) {
      if (r.last > top.last) top.last = r.last;
    } else {
      merged.push({ ...r });
    }
  }
  return merged;
}

/** The gaps of a pool between sorted, disjoint occupied ranges, lowest first. */
export function freeRanges(pool: Prefix, occupied: readonly AddressRange[]): AddressRange[] {
  const free: AddressRange[] = [];
  let next = pool.base;
  for (const r of occupied) {
    if (r.first > next) free.push({ first: next, last: r.first - 1n });
    next = r.last + 1n;
  }
  const poolLast = prefixLast(pool);
  if (next <= poolLast) free.push({ first: next, last: poolLast });
  return free;
}

const POWERS_OF_TWO = Array.from({ length: 129 }, (_, k) => 1n << BigInt(k));

/**
 * The minimal set of prefixes covering a range exactly, lowest first: at each step the largest
 * block that is aligned at the current address and does not run past the end (at most two
 * prefixes per length, so O(bits) prefixes per range).
 */
export function rangePrefixes(family: IpFamily, range: AddressRange): Prefix[] {
  const bits = addressBits(family);
  const out: Prefix[] = [];
  let at = range.first;
  while (at <= range.last) {
    let k = 0;
    while (k < bits && (at & POWERS_OF_TWO[k]!) === 0n) k++;
    while (at + POWERS_OF_TWO[k]! - 1n > range.last) k--;
    out.push({ family, base: at, length: bits - k });
    at += POWERS_OF_TWO[k]!;
  }
  return out;
}

export function rangeSize(r: AddressRange): bigint {
  return r.last - r.first + 1n;
}
