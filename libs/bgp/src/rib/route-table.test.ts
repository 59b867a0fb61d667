import { describe, expect, it } from 'vitest';
import { AttributeSetInterner } from './attribute-set';
import { canonicalPrefixAfi } from './route-input';
import { RouteTable, type TableChange } from './route-table';

describe('canonicalPrefixAfi', () => {
  it.each([
    ['192.0.2.0/24', 1],
    ['10.1.0.64/26', 1],
    ['0.0.0.0/0', 1],
    ['2001:db8::/32', 2],
    ['2001:db8:1::/64', 2],
    ['::/0', 2],
    ['192.0.2.1/24', undefined],
    ['192.0.2.0/33', undefined],
    ['192.0.2.0', undefined],
    ['192.0.2.0/024', undefined],
    ['010.0.0.0/8', undefined],
    ['2001:DB8::/32', undefined],
    ['2001:db8:0::/48', undefined],
    ['2001:db8::1/64', undefined],
    ['2001:db8::/129', undefined],
    ['', undefined],
  ])('%s → %s', (prefix, afi) => {
    expect(canonicalPrefixAfi(prefix)).toBe(afi);
  });
});

describe('RouteTable', () => {
  const setup = () => {
    const table = new RouteTable(new AttributeSetInterner());
    const changes: TableChange[] = [];
    table.subscribe((c) => changes.push(c));
    return { table, changes };
  };

  it('tells subscribers which prefixes changed, and nothing when nothing did', () => {
    const { table, changes } = setup();
    table.replace(new Map([['10.1.0.0/26', { nextHop: '192.0.2.1' }]]));
    table.upsert([
      ['10.1.0.0/26', { nextHop: '192.0.2.1' }],
      ['10.1.0.64/26', { nextHop: '192.0.2.1' }],
    ]);
    table.remove(['10.9.0.0/26']);
    table.remove(['10.1.0.0/26']);
    expect(changes).toEqual([['10.1.0.0/26'], ['10.1.0.64/26'], ['10.1.0.0/26']]);
    expect(table.size).toBe(1);
  });

  it('replace changes the table in place and names exactly what changed', () => {
    const { table, changes } = setup();
    const shared = { communities: [1] };
    table.replace(
      new Map([
        ['10.1.0.0/26', { nextHop: '192.0.2.1', attributes: shared }],
        ['10.1.0.64/26', { nextHop: '192.0.2.1', attributes: shared }],
        ['10.1.0.128/26', { nextHop: '192.0.2.1' }],
      ]),
    );
    table.replace(
      new Map([
        ['10.1.0.0/26', { nextHop: '192.0.2.1', attributes: { communities: [1] } }], // equal: no change
        ['10.1.0.64/26', { nextHop: '192.0.2.2', attributes: shared }], // moved
        ['10.1.0.192/26', { nextHop: '192.0.2.1' }], // new
      ]),
    );
    expect(changes[1]).toEqual(['10.1.0.64/26', '10.1.0.192/26', '10.1.0.128/26']);
    expect([...table.view().keys()].sort()).toEqual(['10.1.0.0/26', '10.1.0.192/26', '10.1.0.64/26']);
    table.replace(new Map());
    expect(table.size).toBe(0);
    expect(changes[2]).toHaveLength(3);
  });

  it.each([
    ['192.0.2.1/24', { nextHop: '192.0.2.1' }, /not a canonical prefix/],
    ['10.1.0.0/26', { nextHop: '2001:db8::1' }, /not an IPv4 address/],
    ['2001:db8::/64', { nextHop: '192.0.2.1' }, /not an IPv6 address/],
  ])('refuses %s via %o and changes nothing', (prefix, route, message) => {
    const { table, changes } = setup();
    table.upsert([['10.1.0.0/26', { nextHop: '192.0.2.1' }]]);
    expect(() =>
      table.upsert([
        ['10.2.0.0/26', { nextHop: '192.0.2.1' }],
        [prefix, route],
      ]),
    ).toThrow(message);
    expect(() => table.replace(new Map([[prefix, route]]))).toThrow(message);
    expect(table.size).toBe(1);
    expect(changes).toHaveLength(1);
  });
});
