import { describe, expect, it } from 'vitest';
import { parseAddressValue } from '../prefix/address-text';
import { formatPrefix, parsePrefix } from '../prefix/prefix-text';
import { AddressIndex, ownershipOf, type AddressOwner } from './address-index';

const pool: AddressOwner = { kind: 'pool', pool: 'lab' };
const k8sPods: AddressOwner = {
  kind: 'allocation',
  allocation: 'a1',
  pool: 'lab',
  cluster: 'k8s',
  purpose: 'pods',
};
const dcosPods: AddressOwner = {
  kind: 'allocation',
  allocation: 'a2',
  pool: 'lab',
  cluster: 'dcos',
  purpose: 'pods',
};
const block: AddressOwner = { kind: 'block', cluster: 'k8s', node: 'worker-1', nextHop: '192.0.2.11' };
const web: AddressOwner = {
  kind: 'endpoint',
  cluster: 'k8s',
  namespace: 'shop',
  service: 'web',
  node: 'worker-1',
  hostname: null,
};
const api: AddressOwner = {
  kind: 'endpoint',
  cluster: 'k8s',
  namespace: 'shop',
  service: 'api',
  node: 'worker-1',
  hostname: null,
};

/** Seed 002's plan: a /16 pool, a /17 to each cluster, Calico /26 blocks inside the k8s /17. */
function seed002(): AddressIndex {
  const index = new AddressIndex();
  index.put(parsePrefix('192.168.0.0/16'), pool);
  index.put(parsePrefix('192.168.0.0/17'), k8sPods);
  index.put(parsePrefix('192.168.128.0/17'), dcosPods);
  index.put(parsePrefix('192.168.0.64/26'), block);
  index.put(parsePrefix('192.168.0.70/32'), web);
  index.put(parsePrefix('192.168.0.70/32'), api);
  return index;
}

function lookup(index: AddressIndex, address: string) {
  const { family, value } = parseAddressValue(address);
  return index.lookup(family, value);
}

describe('AddressIndex', () => {
  it('names pool, allocation, block and every endpoint that holds an address', () => {
    const matches = lookup(seed002(), '192.168.0.70');
    expect(matches.map((m) => `${formatPrefix(m.prefix)} ${m.owner.kind}`)).toEqual([
      '192.168.0.70/32 endpoint',
      '192.168.0.70/32 endpoint',
      '192.168.0.64/26 block',
      '192.168.0.0/17 allocation',
      '192.168.0.0/16 pool',
    ]);
    const owners = ownershipOf(matches);
    expect(owners.block?.owner).toEqual(block);
    expect(owners.allocation?.owner).toEqual(k8sPods);
    expect(owners.pool?.owner).toEqual(pool);
    expect(owners.endpoints.map((e) => e.owner)).toEqual([web, api]);
  });

  it.each([
    ['192.168.0.1', { allocation: 'a1' }],
    ['192.168.200.1', { allocation: 'a2' }],
  ])('%s is in allocation %o only', (address, { allocation }) => {
    const owners = ownershipOf(lookup(seed002(), address));
    expect(owners.allocation?.owner).toMatchObject({ allocation });
    expect(owners.block).toBeUndefined();
    expect(owners.endpoints).toEqual([]);
  });

  it('finds nothing outside the pools', () => {
    expect(ownershipOf(lookup(seed002(), '10.0.0.1'))).toEqual({ endpoints: [] });
  });

  it('removes by identity: a block moved to another node replaces itself', () => {
    const index = seed002();
    const moved: AddressOwner = { ...block, node: 'worker-2', nextHop: '192.0.2.12' } as AddressOwner;
    index.put(parsePrefix('192.168.0.64/26'), moved);
    expect(ownershipOf(lookup(index, '192.168.0.65')).block?.owner).toEqual(moved);
    expect(index.remove(parsePrefix('192.168.0.70/32'), web)).toBe(true);
    expect(ownershipOf(lookup(index, '192.168.0.70')).endpoints.map((e) => e.owner)).toEqual([api]);
    expect(index.size).toBe(5);
  });

  it('IPv6: a /48 pool, a /64 block, an endpoint /128', () => {
    const index = new AddressIndex();
    index.put(parsePrefix('2001:db8::/48'), pool);
    index.put(parsePrefix('2001:db8:0:7::/64'), block);
    index.put(parsePrefix('2001:db8:0:7::10/128'), web);
    const owners = ownershipOf(lookup(index, '2001:DB8:0:7::10'));
    expect([owners.pool?.owner, owners.block?.owner, owners.endpoints[0]?.owner]).toEqual([pool, block, web]);
    expect(ownershipOf(lookup(index, '2001:db8:0:8::10')).block).toBeUndefined();
  });
});
