import type { IpFamily } from '@isthmus/net';

/**
 * The core's compact form of a CIDR prefix: a family, the network address as a bigint and the
 * prefix length. Parsing and formatting happen once at the edges (prefix-text.ts); everything in
 * between is integer arithmetic on these three fields and never builds ip-address objects.
 */
export interface Prefix {
  readonly family: IpFamily;
  /** Network address (host bits are always zero). */
  readonly base: bigint;
  readonly length: number;
}

export type { IpFamily };

const BITS = { 4: 32, 6: 128 } as const;

/** hostMasks[bits][length] = 2^(bits-length) - 1; precomputed so hot paths allocate no bigint for it. */
function hostMaskTable(bits: number): readonly bigint[] {
  return Array.from({ length: bits + 1 }, (_, length) => (1n << BigInt(bits - length)) - 1n);
}
const HOST_MASKS: Record<IpFamily, readonly bigint[]> = { 4: hostMaskTable(32), 6: hostMaskTable(128) };

export function addressBits(family: IpFamily): 32 | 128 {
  return BITS[family];
}

/** All ones in the host part of a prefix of this length. */
export function hostMask(family: IpFamily, length: number): bigint {
  const mask = HOST_MASKS[family][length];
  if (mask === undefined) throw new RangeError(`IPv${family} prefix length ${length} is out of range`);
  return mask;
}

/** Builds a prefix, clearing host bits: the caller decides whether set host bits are an error. */
export function prefixOf(family: IpFamily, address: bigint, length: number): Prefix {
  return { family, base: address & ~hostMask(family, length), length };
}

/** Number of addresses in the prefix (2^(bits-length)). */
export function prefixSize(p: Prefix): bigint {
  return hostMask(p.family, p.length) + 1n;
}

/** Last address of the prefix, inclusive. */
export function prefixLast(p: Prefix): bigint {
  return p.base | hostMask(p.family, p.length);
}

export function prefixContainsAddress(p: Prefix, family: IpFamily, address: bigint): boolean {
  return p.family === family && (address & ~hostMask(family, p.length)) === p.base;
}

/** True when `inner` lies inside `outer` (a prefix contains itself). */
export function prefixContains(outer: Prefix, inner: Prefix): boolean {
  return (
    outer.family === inner.family &&
    outer.length <= inner.length &&
    (inner.base & ~hostMask(outer.family, outer.length)) === outer.base
  );
}

/** Two CIDR prefixes overlap exactly when one contains the other. */
export function prefixesOverlap(a: Prefix, b: Prefix): boolean {
  return a.length <= b.length ? prefixContains(a, b) : prefixContains(b, a);
}

export function prefixesEqual(a: Prefix, b: Prefix): boolean {
  return a.family === b.family && a.base === b.base && a.length === b.length;
}

/** Address order: IPv4 before IPv6, then lower network address, then the shorter (enclosing) prefix. */
export function comparePrefixes(a: Prefix, b: Prefix): number {
  if (a.family !== b.family) return a.family - b.family;
  if (a.base !== b.base) return a.base < b.base ? -1 : 1;
  return a.length - b.length;
}
