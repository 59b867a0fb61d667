import { describe, expect, it } from 'vitest';
import { compileFilter, routesForPeer } from './peer-filter';
import type { DesiredRouteEntry } from './types';

const attributes = { communities: [], largeCommunities: [] };
const route = (prefix: string, cluster: string): [string, DesiredRouteEntry] => [
  prefix,
  { prefix, cluster, node: 'n', nextHop: prefix.includes(':') ? 'fd00::1' : '10.0.0.1', attributes },
];
const table = new Map([
  route('192.168.0.0/26', 'k8s'),
  route('192.168.128.0/24', 'dcos'),
  route('fd00:1::/64', 'k8s'),
]);
const prefixesFor = (filter: Parameters<typeof compileFilter>[0]) => [
  ...routesForPeer(table, compileFilter(filter)).keys(),
];

describe('a peer filter', () => {
  it('passes everything when absent or empty', () => {
    expect(prefixesFor(undefined)).toEqual([...table.keys()]);
    expect(prefixesFor({ clusters: [], prefixes: [] })).toEqual([...table.keys()]);
  });

  it('keeps the routes of the named clusters', () => {
    expect(prefixesFor({ clusters: ['dcos'] })).toEqual(['192.168.128.0/24']);
  });

  it('keeps the routes inside one of its prefixes, of that family only', () => {
    expect(prefixesFor({ prefixes: ['192.168.0.0/17'] })).toEqual(['192.168.0.0/26']);
    expect(prefixesFor({ prefixes: ['192.168.0.0/16', 'fd00::/8'] })).toEqual([...table.keys()]);
    expect(prefixesFor({ prefixes: ['192.168.0.0/27'] })).toEqual([]); // a covering prefix only
  });

  it('applies both: a cluster and a prefix', () => {
    expect(prefixesFor({ clusters: ['k8s'], prefixes: ['fd00::/16'] })).toEqual(['fd00:1::/64']);
  });
});
