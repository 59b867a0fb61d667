import { parseAddress, parseCidr, type IpFamily } from '@isthmus/net';

/**
 * A pod block's next hop, for every source: its node's first address of the block's family (a
 * dual-stack node routes its IPv6 block via its IPv6 address), else none. Routing sends exactly
 * this to the route reflectors, so a block without one is never published with some other
 * address: the Kubernetes source leaves it out, the static API refuses the write that would
 * cause it (docs/architecture.md, "Next hops").
 */
export function nextHopFor(cidrFamily: IpFamily, addresses: readonly string[]): string | null {
  for (const a of addresses) if (addressFamily(a) === cidrFamily) return a;
  return null;
}

/** The family of an address, or null for anything that is not one. */
export function addressFamily(address: string): IpFamily | null {
  try {
    return parseAddress(address).family;
  } catch {
    return null;
  }
}

/** The family of a prefix (already validated). */
export function cidrFamily(cidr: string): IpFamily {
  return parseCidr(cidr).family;
}

export const familyName = (family: IpFamily) => (family === 4 ? 'IPv4' : 'IPv6');
