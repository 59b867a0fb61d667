import type { IpFamily, Prefix } from '../prefix/prefix';
import { PrefixTrie } from './prefix-trie';

/** What may own an address, from the widest to the narrowest: GET /v1/lookup/{address} reports each. */
export type AddressOwner =
  | { kind: 'pool'; pool: string }
  | { kind: 'allocation'; allocation: string; pool: string; cluster: string; purpose: string }
  | { kind: 'block'; cluster: string; node: string; nextHop: string }
  | {
      kind: 'endpoint';
      cluster: string;
      namespace: string;
      service: string;
      node: string | null;
      hostname: string | null;
    };

export type AddressOwnerKind = AddressOwner['kind'];

export interface AddressMatch {
  prefix: Prefix;
  owner: AddressOwner;
}

/** The most specific owner of each kind for one address. */
export interface AddressOwnership {
  pool?: AddressMatch;
  allocation?: AddressMatch;
  block?: AddressMatch;
  /** Every service that has the address as an endpoint (a pod may back several services). */
  endpoints: AddressMatch[];
}

/**
 * Identity of an owner under one prefix. A pod block is keyed by cluster (the registry's block
 * key is cluster + CIDR), so a block moving to another node replaces itself; an endpoint by
 * its service, so one address can back several services.
 */
function ownerKey(owner: AddressOwner): string {
  switch (owner.kind) {
    case 'pool':
      return `pool:${owner.pool}`;
    case 'allocation':
      return `allocation:${owner.allocation}`;
    case 'block':
      return `block:${owner.cluster}`;
    case 'endpoint':
      return `endpoint:${owner.cluster}/${owner.namespace}/${owner.service}`;
  }
}

/** Longest-prefix-match over pools, allocations, pod blocks and endpoint addresses (/32, /128). */
export class AddressIndex {
  private readonly trie = new PrefixTrie<AddressOwner>();

  get size(): number {
    return this.trie.size;
  }

  put(prefix: Prefix, owner: AddressOwner): void {
    this.trie.set(prefix, ownerKey(owner), owner);
  }

  /** Removes the owner from the prefix; only the identity fields of `owner` matter. */
  remove(prefix: Prefix, owner: AddressOwner): boolean {
    return this.trie.delete(prefix, ownerKey(owner));
  }

  /** Everything that holds the address, most specific first. */
  lookup(family: IpFamily, address: bigint): AddressMatch[] {
    return this.trie.match(family, address).map(({ prefix, value }) => ({ prefix, owner: value }));
  }
}

/** Picks the most specific pool, allocation and block, and every endpoint, from a lookup result. */
export function ownershipOf(matches: readonly AddressMatch[]): AddressOwnership {
  const ownership: AddressOwnership = { endpoints: [] };
  for (const m of matches) {
    if (m.owner.kind === 'endpoint') ownership.endpoints.push(m);
    else ownership[m.owner.kind] ??= m;
  }
  return ownership;
}
