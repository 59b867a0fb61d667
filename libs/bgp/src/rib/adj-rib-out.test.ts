import { describe, expect, it } from 'vitest';
import { decodeMessage } from '../codec';
import type { CodecContext, Prefix, UpdateMessage } from '../codec/types';
import { AdjRibOut, AttributeSetInterner, RouteTable, type DesiredRoute, type PathOptions } from './index';

const ctx: CodecContext = { fourOctetAs: true, ibgp: true };
const LOCAL_ASN = 64511;
const cluster: PathOptions = { communities: [((64511 << 16) | 7) >>> 0], largeCommunities: [[64511, 1, 7]] };

/** `count` IPv4 /26 prefixes spread over `nextHops` nodes (from 198.51.100.0/24 and 203.0.113.0/24). */
function podBlocks(
  count: number,
  nextHops: number,
  options: PathOptions = cluster,
): Map<Prefix, DesiredRoute> {
  const routes = new Map<Prefix, DesiredRoute>();
  for (let i = 0; i < count; i++) {
    const n = i % nextHops;
    const nextHop = n < 256 ? `198.51.100.${n}` : `203.0.${113 + ((n - 256) >> 8)}.${(n - 256) & 0xff}`;
    routes.set(`10.${(i >> 10) & 0xff}.${(i >> 2) & 0xff}.${(i & 3) << 6}/26`, {
      nextHop,
      attributes: options,
    });
  }
  return routes;
}

function decodeAll(messages: Iterable<Uint8Array>): UpdateMessage[] {
  return [...messages].map((m) => {
    const { message, errors } = decodeMessage(m, ctx);
    expect(errors).toEqual([]);
    expect(message.type).toBe('update');
    return message as UpdateMessage;
  });
}

/** prefix → next hop of every announcement, and every withdrawn prefix, in the UPDATEs. */
function contents(updates: UpdateMessage[]): { announced: Map<Prefix, string>; withdrawn: Prefix[] } {
  const announced = new Map<Prefix, string>();
  const withdrawn: Prefix[] = [];
  for (const u of updates) {
    for (const p of u.nlri) announced.set(p, u.attributes.nextHop!);
    for (const p of u.attributes.mpReach?.nlri ?? []) announced.set(p, u.attributes.mpReach!.nextHops[0]!);
    withdrawn.push(...u.withdrawn, ...(u.attributes.mpUnreach?.withdrawn ?? []));
  }
  return { announced, withdrawn };
}

function setup(ibgp = true) {
  const table = new RouteTable(new AttributeSetInterner());
  const rib = new AdjRibOut(table, { localAsn: LOCAL_ASN, ibgp });
  return { table, rib };
}

describe('AdjRibOut', () => {
  it('sends the whole table on Established, one UPDATE per attribute set when it fits', () => {
    const { table, rib } = setup();
    const routes = podBlocks(100_000, 1_000);
    table.replace(routes);
    expect(rib.hasPending).toBe(false); // nothing before the session is up
    rib.sessionUp([1, 2], ctx);
    const batch = rib.takeUpdates();
    const messages = [...batch.messages];
    // 100 /26 prefixes of 5 octets per next hop: 500 octets, one message per attribute set.
    expect(messages).toHaveLength(1_000);
    expect(batch).toMatchObject({ announced: 100_000, withdrawn: 0, empty: false });
    expect(Math.max(...messages.map((m) => m.length))).toBeLessThanOrEqual(4096);
    const { announced } = contents(decodeAll(messages));
    expect(announced).toEqual(new Map([...routes].map(([p, r]) => [p, r.nextHop])));
    expect(rib.advertisedCounts()).toEqual({ 1: 100_000, 2: 0 });
    expect(rib.hasPending).toBe(false);
  });

  it('fills every UPDATE up to 4096 octets when a group is large', () => {
    const { table, rib } = setup();
    table.replace(podBlocks(20_000, 2));
    rib.sessionUp([1], ctx);
    const messages = [...rib.takeUpdates().messages];
    // per message: 19 header + 4 lengths + the attributes; the rest is room for 5-octet prefixes
    const first = messages[0]!;
    const attributesLength = first.length - 23 - 5 * contents(decodeAll([first])).announced.size;
    const perMessage = Math.floor((4096 - 23 - attributesLength) / 5);
    expect(messages).toHaveLength(2 * Math.ceil(10_000 / perMessage));
    expect(messages.filter((m) => m.length > 4096 - 5)).toHaveLength(messages.length - 2);
  });

  it('uses iBGP attributes: ORIGIN IGP, empty AS_PATH, LOCAL_PREF 100, NEXT_HOP as given', () => {
    const { table, rib } = setup();
    table.replace(new Map([['10.1.0.0/26', { nextHop: '192.0.2.10', attributes: cluster }]]));
    rib.sessionUp([1, 2], ctx);
    const [update] = decodeAll(rib.takeUpdates().messages);
    expect(update!.attributes).toEqual({
      origin: 'igp',
      asPath: [],
      nextHop: '192.0.2.10',
      localPref: 100,
      communities: cluster.communities,
      largeCommunities: cluster.largeCommunities,
    });
  });

  it('uses eBGP attributes: our ASN in AS_PATH, no LOCAL_PREF (RFC 4271 §5.1.2, §5.1.5)', () => {
    const { table, rib } = setup(false);
    table.replace(new Map([['10.1.0.0/26', { nextHop: '192.0.2.10', attributes: { localPref: 300 } }]]));
    rib.sessionUp([1], { fourOctetAs: true, ibgp: false });
    const [update] = decodeAll(rib.takeUpdates().messages);
    expect(update!.attributes).toEqual({
      origin: 'igp',
      asPath: [{ kind: 'sequence', asns: [LOCAL_ASN] }],
      nextHop: '192.0.2.10',
    });
  });

  it('announces IPv6 in MP_REACH_NLRI with the node address as next hop (RFC 4760 §3)', () => {
    const { table, rib } = setup();
    table.replace(
      new Map([
        ['2001:db8:1::/64', { nextHop: '2001:db8::10', attributes: cluster }],
        ['2001:db8:2::/64', { nextHop: '2001:db8::10', attributes: cluster }],
      ]),
    );
    rib.sessionUp([1, 2], ctx);
    const updates = decodeAll(rib.takeUpdates().messages);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.attributes.mpReach).toEqual({
      afi: 2,
      safi: 1,
      nextHops: ['2001:db8::10'],
      nlri: ['2001:db8:1::/64', '2001:db8:2::/64'],
    });
    expect(updates[0]!.attributes.localPref).toBe(100);
    expect(rib.advertisedCounts()).toEqual({ 1: 0, 2: 2 });
  });

  it('after the initial table sends only deltas, and nothing when nothing changed', () => {
    const { table, rib } = setup();
    table.replace(podBlocks(1_000, 10));
    rib.sessionUp([1, 2], ctx);
    rib.takeUpdates();
    table.replace(podBlocks(1_000, 10)); // same routes, new objects
    expect(rib.takeUpdates()).toMatchObject({ empty: true, announced: 0, withdrawn: 0 });

    table.upsert([['10.200.0.0/26', { nextHop: '192.0.2.99' }]]);
    table.remove(['10.0.0.0/26', '10.0.0.64/26']);
    table.upsert([['10.0.0.128/26', { nextHop: '192.0.2.99' }]]); // moved to another node
    const updates = decodeAll(rib.takeUpdates().messages);
    const { announced, withdrawn } = contents(updates);
    expect(announced).toEqual(
      new Map([
        ['10.200.0.0/26', '192.0.2.99'],
        ['10.0.0.128/26', '192.0.2.99'],
      ]),
    );
    expect(withdrawn.sort()).toEqual(['10.0.0.0/26', '10.0.0.64/26']);
    expect(updates).toHaveLength(2); // one withdrawal UPDATE, one announcement UPDATE
    expect(rib.advertisedCounts()).toEqual({ 1: 999, 2: 0 });
  });

  it('packs withdrawals into as few UPDATEs as fit', () => {
    const { table, rib } = setup();
    const routes = podBlocks(10_000, 10);
    table.replace(routes);
    rib.sessionUp([1], ctx);
    rib.takeUpdates();
    table.remove(routes.keys());
    const batch = rib.takeUpdates();
    const messages = [...batch.messages];
    expect(batch).toMatchObject({ announced: 0, withdrawn: 10_000 });
    expect(messages).toHaveLength(Math.ceil((10_000 * 5) / (4096 - 23)));
    expect(contents(decodeAll(messages)).withdrawn.sort()).toEqual([...routes.keys()].sort());
    expect(rib.advertisedCounts()).toEqual({ 1: 0, 2: 0 });
  });

  it('sends the whole table again after the session comes back', () => {
    const { table, rib } = setup();
    table.replace(podBlocks(500, 5));
    rib.sessionUp([1], ctx);
    rib.takeUpdates();
    rib.sessionDown();
    expect(rib.advertisedCounts()).toEqual({ 1: 0, 2: 0 });
    table.remove(['10.0.0.0/26']); // while down: nothing to send, nothing to withdraw later
    rib.sessionUp([1], ctx);
    const { announced, withdrawn } = contents(decodeAll(rib.takeUpdates().messages));
    expect(announced.size).toBe(499);
    expect(withdrawn).toEqual([]);
  });

  it('answers ROUTE-REFRESH with every route of the family, and keeps pending withdrawals (RFC 2918 §4)', () => {
    const { table, rib } = setup();
    table.replace(
      new Map([
        ['10.1.0.0/26', { nextHop: '192.0.2.1' }],
        ['10.1.0.64/26', { nextHop: '192.0.2.1' }],
        ['2001:db8:1::/64', { nextHop: '2001:db8::1' }],
      ]),
    );
    rib.sessionUp([1, 2], ctx);
    rib.takeUpdates();
    table.remove(['10.1.0.64/26']);
    rib.refresh(1);
    const { announced, withdrawn } = contents(decodeAll(rib.takeUpdates().messages));
    expect([...announced.keys()]).toEqual(['10.1.0.0/26']);
    expect(withdrawn).toEqual(['10.1.0.64/26']);
    rib.refresh(2);
    expect([...contents(decodeAll(rib.takeUpdates().messages)).announced.keys()]).toEqual([
      '2001:db8:1::/64',
    ]);
  });

  it('leaves out families the peer did not negotiate', () => {
    const { table, rib } = setup();
    table.replace(
      new Map([
        ['10.1.0.0/26', { nextHop: '192.0.2.1' }],
        ['2001:db8:1::/64', { nextHop: '2001:db8::1' }],
      ]),
    );
    rib.sessionUp([1], ctx);
    expect([...contents(decodeAll(rib.takeUpdates().messages)).announced.keys()]).toEqual(['10.1.0.0/26']);
    rib.refresh(2);
    expect([...rib.takeUpdates().messages]).toEqual([]);
  });

  it('follows another table when told to, sending the difference', () => {
    const { table, rib } = setup();
    table.replace(podBlocks(10, 1));
    rib.sessionUp([1], ctx);
    rib.takeUpdates();
    const own = new RouteTable(new AttributeSetInterner());
    own.replace(new Map([['10.9.0.0/26', { nextHop: '192.0.2.9' }]]));
    rib.setTable(own);
    const { announced, withdrawn } = contents(decodeAll(rib.takeUpdates().messages));
    expect([...announced.keys()]).toEqual(['10.9.0.0/26']);
    expect(withdrawn).toHaveLength(10);
  });
});
