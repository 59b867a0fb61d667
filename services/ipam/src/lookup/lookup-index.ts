import { Injectable } from '@nestjs/common';
import type { EndpointState, NodeKey, NodeState, ServiceKey, ServiceState } from '@isthmus/contracts';
import {
  AddressIndex,
  addressBits,
  formatAddressValue,
  parseAddressValue,
  parsePrefix,
  type AddressMatch,
  type AddressOwner,
  type IpFamily,
  type Prefix,
} from '../core';
import type { PlanDelta } from '../feed/address-plan';

/** A pool or an allocation as the lookup names it (the plan feed keeps them current). */
export interface PlanPool {
  name: string;
  cidr: string;
}
export interface PlanAllocation {
  id: number;
  pool: string;
  cluster: string;
  purpose: string;
  cidr: string;
}

export interface NodeAddressOwner {
  cluster: string;
  node: string;
}

/** Everything that holds one address, most specific first, plus the nodes that have it as their own. */
export interface AddressHolders {
  matches: AddressMatch[];
  nodes: NodeAddressOwner[];
}

type EndpointOwner = Extract<AddressOwner, { kind: 'endpoint' }>;

/** Names in a key joined by a character no name may contain (ObjectName refuses control characters). */
const SEP = '\u0000';

/**
 * The in-memory index GET /v1/lookup/{address} answers from (issue 4, "Lookup"), so a lookup is a
 * trie walk and never a query: pools and allocations (from the plan feed), pod blocks, endpoint
 * addresses as /32 or /128 (from the registry feed), and node addresses, which are exact
 * addresses rather than prefixes and so live in a map beside the trie.
 *
 * Services and nodes arrive as whole states (events are state, not deltas), so each put compares
 * the new set of addresses with the one indexed for the same key and removes what is gone.
 */
@Injectable()
export class LookupIndex {
  private readonly index = new AddressIndex();
  private readonly endpointsByService = new Map<
    string,
    Map<string, { prefix: Prefix; owner: EndpointOwner }>
  >();
  private readonly addressesByNode = new Map<string, string[]>();
  private readonly nodesByAddress = new Map<string, NodeAddressOwner[]>();
  private pools = new Map<string, { prefix: Prefix; owner: AddressOwner }>();
  private allocations = new Map<number, { prefix: Prefix; owner: AddressOwner }>();

  putBlock(block: { cluster: string; cidr: string; node: string; nextHop: string }): void {
    const { cluster, node, nextHop } = block;
    this.index.put(parsePrefix(block.cidr), { kind: 'block', cluster, node, nextHop });
  }

  removeBlock(cluster: string, cidr: string): void {
    this.index.remove(parsePrefix(cidr), { kind: 'block', cluster, node: '', nextHop: '' });
  }

  putService(service: ServiceState): void {
    const key = serviceKey(service);
    const previous = this.endpointsByService.get(key);
    const current = new Map<string, { prefix: Prefix; owner: EndpointOwner }>();
    for (const endpoint of service.endpoints) {
      // One address listed twice (two ports entries): one owner.
      if (current.has(endpoint.address)) continue;
      const entry = { prefix: hostPrefix(endpoint.address), owner: endpointOwner(service, endpoint) };
      current.set(endpoint.address, entry);
      this.index.put(entry.prefix, entry.owner);
    }
    for (const [address, entry] of previous ?? []) {
      if (!current.has(address)) this.index.remove(entry.prefix, entry.owner);
    }
    if (current.size > 0) this.endpointsByService.set(key, current);
    else this.endpointsByService.delete(key);
  }

  removeService(key: ServiceKey): void {
    const k = serviceKey(key);
    for (const entry of this.endpointsByService.get(k)?.values() ?? [])
      this.index.remove(entry.prefix, entry.owner);
    this.endpointsByService.delete(k);
  }

  putNode(node: NodeState): void {
    this.removeNode(node);
    const key = nodeKey(node);
    const addresses = [...new Set(node.addresses)];
    for (const address of addresses) {
      const owners = this.nodesByAddress.get(address) ?? [];
      owners.push({ cluster: node.cluster, node: node.name });
      this.nodesByAddress.set(address, owners);
    }
    if (addresses.length > 0) this.addressesByNode.set(key, addresses);
  }

  removeNode(key: NodeKey): void {
    const k = nodeKey(key);
    for (const address of this.addressesByNode.get(k) ?? []) {
      const left = (this.nodesByAddress.get(address) ?? []).filter(
        (o) => !(o.cluster === key.cluster && o.node === key.name),
      );
      if (left.length > 0) this.nodesByAddress.set(address, left);
      else this.nodesByAddress.delete(address);
    }
    this.addressesByNode.delete(k);
  }

  /** Replaces the address plan whole (the plan feed applies deltas: applyPlan). */
  setPlan(pools: readonly PlanPool[], allocations: readonly PlanAllocation[]): void {
    const nextPools = new Map(
      pools.map((p) => [p.name, { prefix: parsePrefix(p.cidr), owner: poolOwner(p) }]),
    );
    const nextAllocations = new Map(
      allocations.map((a) => [a.id, { prefix: parsePrefix(a.cidr), owner: allocationOwner(a) }]),
    );
    // Removed first: a pool deleted and created again under its name may have another prefix.
    for (const { prefix, owner } of [...this.pools.values(), ...this.allocations.values()]) {
      this.index.remove(prefix, owner);
    }
    for (const { prefix, owner } of [...nextPools.values(), ...nextAllocations.values()])
      this.index.put(prefix, owner);
    this.pools = nextPools;
    this.allocations = nextAllocations;
  }

  /**
   * Applies a change of the plan pool by pool and allocation by allocation (the plan feed's
   * incremental path): removals first, then puts, which replace the entry of the same name or id
   * (a pool deleted and created again under its name may have another prefix).
   */
  applyPlan(delta: PlanDelta): void {
    for (const p of delta.poolsRemoved) this.removePool(p.name);
    for (const a of delta.allocationsRemoved) this.removeAllocation(a.id);
    for (const p of delta.poolsPut) this.putPool(p);
    for (const a of delta.allocationsPut) this.putAllocation(a);
  }

  putPool(pool: PlanPool): void {
    this.removePool(pool.name);
    const entry = { prefix: parsePrefix(pool.cidr), owner: poolOwner(pool) };
    this.index.put(entry.prefix, entry.owner);
    this.pools.set(pool.name, entry);
  }

  removePool(name: string): void {
    const entry = this.pools.get(name);
    if (!entry) return;
    this.index.remove(entry.prefix, entry.owner);
    this.pools.delete(name);
  }

  putAllocation(allocation: PlanAllocation): void {
    this.removeAllocation(allocation.id);
    const entry = { prefix: parsePrefix(allocation.cidr), owner: allocationOwner(allocation) };
    this.index.put(entry.prefix, entry.owner);
    this.allocations.set(allocation.id, entry);
  }

  removeAllocation(id: number): void {
    const entry = this.allocations.get(id);
    if (!entry) return;
    this.index.remove(entry.prefix, entry.owner);
    this.allocations.delete(id);
  }

  /** Entries in the trie (prefix and owner pairs), of every kind. */
  get size(): number {
    return this.index.size;
  }

  /** Everything that holds the address; throws NetParseError for text that is not one address. */
  holders(address: string): AddressHolders {
    const { family, value } = parseAddressValue(address);
    return this.holdersOf(family, value);
  }

  holdersOf(family: IpFamily, value: bigint): AddressHolders {
    const matches = this.index.lookup(family, value);
    // Node addresses are canonical text (the contracts' IpAddressText), so the canonical spelling finds them.
    const nodes =
      this.nodesByAddress.size > 0 ? (this.nodesByAddress.get(formatAddressValue(family, value)) ?? []) : [];
    return { matches, nodes };
  }
}

function poolOwner(pool: PlanPool): AddressOwner {
  return { kind: 'pool', pool: pool.name };
}

function allocationOwner(a: PlanAllocation): AddressOwner {
  return {
    kind: 'allocation',
    allocation: String(a.id),
    pool: a.pool,
    cluster: a.cluster,
    purpose: a.purpose,
  };
}

function serviceKey(key: ServiceKey): string {
  return `${key.cluster}${SEP}${key.namespace}${SEP}${key.name}`;
}

function nodeKey(key: NodeKey): string {
  return `${key.cluster}${SEP}${key.name}`;
}

function hostPrefix(address: string): Prefix {
  const { family, value } = parseAddressValue(address);
  return { family, base: value, length: addressBits(family) };
}

function endpointOwner(service: ServiceState, endpoint: EndpointState): EndpointOwner {
  return {
    kind: 'endpoint',
    cluster: service.cluster,
    namespace: service.namespace,
    service: service.name,
    node: endpoint.node,
    hostname: endpoint.hostname,
  };
}
