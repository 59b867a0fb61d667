import { describe, expect, it } from 'vitest';
import { markGracefulRestartStale } from './bird';
import { BirdReplyReader, type BirdReplyLine } from './reply';
import { parseShowProtocolsAll } from './show-protocols';
import { parseRouteChangeTimes, parseRouteCount, parseShowRouteAll } from './show-route';
import { parseBirdTime } from './timestamps';

// Replies captured from BIRD 2.0.12's control socket, byte for byte, with two gobgpd peers:
// ibgp_a (iBGP, route reflector client) and ebgp_b (eBGP, AS 64512) announcing 10.9.0.0/24 both,
// ibgp_a also 10.8.0.0/24 and 2001:db8:9::/48. The IPv4 table and ibgp_a's status were taken
// right after ibgp_a's gobgpd was killed (graceful restart in progress).

const ROUTE_ALL_V4 =
  [
    '1007-Table master4:',
    ' 10.9.0.0/24          unreachable [ibgp_a 2026-11-21 23:54:33.736270 from 127.0.0.52] * (100) [AS65002e]',
    '1008-\tType: BGP univ',
    '1012-\tBGP.origin: EGP',
    ' \tBGP.as_path: 65001 65002',
    ' \tBGP.next_hop: 192.0.2.9',
    ' \tBGP.med: 5',
    ' \tBGP.local_pref: 200',
    ' \tBGP.community: (64511,1) (64511,2)',
    ' \tBGP.large_community: (64511, 1, 2) (64511, 3, 4)',
    '1007-                     unreachable [ebgp_b 2026-11-21 23:54:33.748823 from 127.0.0.53] (100) [AS64512?]',
    '1008-\tType: BGP univ',
    '1012-\tBGP.origin: Incomplete',
    ' \tBGP.as_path: 64512',
    ' \tBGP.next_hop: 198.51.100.9',
    ' \tBGP.local_pref: 100',
    ' \tBGP.community: (64512,7)',
    '1007-10.8.0.0/24          unreachable [ibgp_a 2026-11-21 23:54:33.774264 from 127.0.0.52] * (100) [?]',
    '1008-\tType: BGP univ',
    '1012-\tBGP.origin: Incomplete',
    ' \tBGP.as_path: ',
    ' \tBGP.next_hop: 192.0.2.8',
    ' \tBGP.local_pref: 100',
    '0000 ',
  ].join('\n') + '\n';

const ROUTE_ALL_V6 =
  [
    '1007-Table master6:',
    ' 2001:db8:9::/48      unreachable [ibgp_a 2026-11-21 23:54:33.761597 from 127.0.0.52] * (100) [?]',
    '1008-\tType: BGP univ',
    '1012-\tBGP.origin: Incomplete',
    ' \tBGP.as_path: ',
    ' \tBGP.next_hop: 2001:db8::9',
    ' \tBGP.local_pref: 100',
    ' \tBGP.community: (64511,6)',
    '0000 ',
  ].join('\n') + '\n';

const ROUTE_COUNT = ['1007-3 of 3 routes for 2 networks in table master4', '0000 '].join('\n') + '\n';

const PROTOCOLS_GR =
  [
    '2002-Name       Proto      Table      State  Since         Info',
    '1002-ibgp_a     BGP        ---        start  2026-11-21 23:54:34.833722  Active        Socket: Connection closed',
    '1006-  BGP state:          Active',
    '     Neighbor address: 127.0.0.52',
    '     Neighbor AS:      64511',
    '     Local AS:         64511',
    '     Neighbor graceful restart active',
    '     Connect delay:    0.332/0',
    '     Restart timer:    29.497/-',
    '     Last error:       Socket: Connection closed',
    '   Channel ipv4',
    '     State:          START',
    '     Table:          master4',
    '     Preference:     100',
    '     Input filter:   ACCEPT',
    '     Output filter:  ACCEPT',
    '     Routes:         2 imported, 0 exported, 2 preferred',
    '     Route change stats:     received   rejected   filtered    ignored   accepted',
    '       Import updates:              2          0          0          0          2',
    '       Import withdraws:            0          0        ---          0          0',
    '       Export updates:              2          2          0        ---          0',
    '       Export withdraws:            0        ---        ---        ---          0',
    '     Neighbor GR:    Regular',
    '     IGP IPv4 table: master4',
    '   Channel ipv6',
    '     State:          START',
    '     Table:          master6',
    '     Preference:     100',
    '     Input filter:   ACCEPT',
    '     Output filter:  ACCEPT',
    '     Routes:         1 imported, 0 exported, 1 preferred',
    '     Route change stats:     received   rejected   filtered    ignored   accepted',
    '       Import updates:              1          0          0          0          1',
    '       Import withdraws:            0          0        ---          0          0',
    '       Export updates:              1          1          0        ---          0',
    '       Export withdraws:            0        ---        ---        ---          0',
    '     Neighbor GR:    Regular',
    '     IGP IPv6 table: master6',
    ' ',
    '0000 ',
  ].join('\n') + '\n';

const PROTOCOLS_UP =
  [
    '2002-Name       Proto      Table      State  Since         Info',
    '1002-device1    Device     ---        up     2026-11-21 23:54:32.694098  ',
    '1006-',
    '1002-ibgp_a     BGP        ---        up     2026-11-21 23:54:33.648833  Established   ',
    '1006-  BGP state:          Established',
    '     Neighbor address: 127.0.0.52',
    '     Neighbor port:    44655',
    '     Neighbor AS:      64511',
    '     Local AS:         64511',
    '     Neighbor ID:      127.0.0.52',
    '     Local capabilities',
    '       Multiprotocol',
    '         AF announced: ipv4 ipv6',
    '       Route refresh',
    '       Graceful restart',
    '         Restart time: 120',
    '         AF supported: ipv4 ipv6',
    '         AF preserved:',
    '       4-octet AS numbers',
    '       Enhanced refresh',
    '       Long-lived graceful restart',
    '     Neighbor capabilities',
    '       Multiprotocol',
    '         AF announced: ipv4 ipv6',
    '       Route refresh',
    '       Extended next hop',
    '         IPv6 nexthop: ipv4',
    '       Graceful restart',
    '         Restart time: 30',
    '         AF supported: ipv4 ipv6',
    '         AF preserved:',
    '       4-octet AS numbers',
    '       Hostname: vm',
    '     Session:          internal multihop route-reflector AS4',
    '     Source address:   127.0.0.51',
    '     Hold timer:       6.835/9',
    '     Keepalive timer:  1.257/3',
    '   Channel ipv4',
    '     State:          UP',
    '     Table:          master4',
    '     Preference:     100',
    '     Input filter:   ACCEPT',
    '     Output filter:  ACCEPT',
    '     Routes:         2 imported, 0 exported, 2 preferred',
    '     Route change stats:     received   rejected   filtered    ignored   accepted',
    '       Import updates:              2          0          0          0          2',
    '       Import withdraws:            0          0        ---          0          0',
    '       Export updates:              2          2          0        ---          0',
    '       Export withdraws:            0        ---        ---        ---          0',
    '     BGP Next hop:   127.0.0.51',
    '     IGP IPv4 table: master4',
    '   Channel ipv6',
    '     State:          UP',
    '     Table:          master6',
    '     Preference:     100',
    '     Input filter:   ACCEPT',
    '     Output filter:  ACCEPT',
    '     Routes:         1 imported, 0 exported, 1 preferred',
    '     Route change stats:     received   rejected   filtered    ignored   accepted',
    '       Import updates:              1          0          0          0          1',
    '       Import withdraws:            0          0        ---          0          0',
    '       Export updates:              1          1          0        ---          0',
    '       Export withdraws:            0        ---        ---        ---          0',
    '     BGP Next hop:   ::',
    '     IGP IPv6 table: master6',
    ' ',
    '0000 ',
  ].join('\n') + '\n';

/** The one reply in `raw`, as the control socket client receives it. */
function reply(raw: string): BirdReplyLine[] {
  const replies = new BirdReplyReader().feed(raw);
  expect(replies).toHaveLength(1);
  return replies[0]!;
}

describe('BIRD control socket replies', () => {
  it('resolves continuation lines to the code before them and ends a reply at a code followed by a space', () => {
    const lines = reply(ROUTE_COUNT);
    expect(lines).toEqual([
      { code: 1007, text: '3 of 3 routes for 2 networks in table master4' },
      { code: 0, text: '' },
    ]);
    const route = reply(ROUTE_ALL_V6);
    expect(route.map((l) => l.code)).toEqual([1007, 1007, 1008, 1012, 1012, 1012, 1012, 1012, 0]);
    expect(route[4]).toEqual({ code: 1012, text: '\tBGP.as_path: ' });
  });

  it('gives the same replies whatever the chunks the bytes arrive in', () => {
    const whole = new BirdReplyReader().feed(ROUTE_ALL_V4 + ROUTE_COUNT);
    const reader = new BirdReplyReader();
    const pieces: BirdReplyLine[][] = [];
    const stream = ROUTE_ALL_V4 + ROUTE_COUNT;
    for (let i = 0; i < stream.length; i += 7) pieces.push(...reader.feed(stream.slice(i, i + 7)));
    expect(whole).toHaveLength(2);
    expect(pieces).toEqual(whole);
  });

  it('refuses bytes that are not the control protocol', () => {
    expect(() => new BirdReplyReader().feed('hello\n')).toThrow(/unexpected line/);
  });
});

describe('show route all', () => {
  it('reads every attribute of a route, and a second route to the same prefix', () => {
    const routes = parseShowRouteAll(reply(ROUTE_ALL_V4));
    expect(routes).toEqual([
      {
        prefix: '10.9.0.0/24',
        nextHop: '192.0.2.9',
        origin: 'egp',
        asPath: [65001, 65002],
        localPref: 200,
        med: 5,
        communities: ['64511:1', '64511:2'],
        largeCommunities: ['64511:1:2', '64511:3:4'],
        stale: false,
        fromProtocol: 'ibgp_a',
        changedAt: '2026-11-21 23:54:33.736270',
        primary: true,
      },
      {
        prefix: '10.9.0.0/24',
        nextHop: '198.51.100.9',
        origin: 'incomplete',
        asPath: [64512],
        localPref: 100,
        med: undefined,
        communities: ['64512:7'],
        largeCommunities: [],
        stale: false,
        fromProtocol: 'ebgp_b',
        changedAt: '2026-11-21 23:54:33.748823',
        primary: false,
      },
      {
        prefix: '10.8.0.0/24',
        nextHop: '192.0.2.8',
        origin: 'incomplete',
        asPath: [],
        localPref: 100,
        med: undefined,
        communities: [],
        largeCommunities: [],
        stale: false,
        fromProtocol: 'ibgp_a',
        changedAt: '2026-11-21 23:54:33.774264',
        primary: true,
      },
    ]);
  });

  it('reads IPv6 routes', () => {
    expect(parseShowRouteAll(reply(ROUTE_ALL_V6))).toMatchObject([
      { prefix: '2001:db8:9::/48', nextHop: '2001:db8::9', communities: ['64511:6'], fromProtocol: 'ibgp_a' },
    ]);
  });

  it("reads BIRD's 's' flag (long-lived stale) and a link-local second next hop", () => {
    // Lines in the format of rt_show_rte and bgp_get_route_info ("(100s)": preference, then the
    // stale flag); BIRD prints an IPv6 next hop with its link-local address after it.
    const lines: BirdReplyLine[] = [
      {
        code: 1007,
        text: '2001:db8:7::/48      unreachable [ibgp_a 2026-11-21 23:54:33.736270 from 127.0.0.52] * (100s) [i]',
      },
      { code: 1012, text: '\tBGP.next_hop: 2001:db8::7 fe80::1' },
      { code: 0, text: '' },
    ];
    expect(parseShowRouteAll(lines)).toMatchObject([
      { prefix: '2001:db8:7::/48', nextHop: '2001:db8::7', stale: true },
    ]);
  });

  it('fails loudly on a line it does not understand', () => {
    expect(() => parseShowRouteAll([{ code: 1007, text: 'something else entirely' }])).toThrow(
      /unexpected line/,
    );
  });

  it('marks the routes of a session in graceful restart as stale, and no others', () => {
    const protocols = parseShowProtocolsAll(reply(PROTOCOLS_GR));
    const routes = markGracefulRestartStale(parseShowRouteAll(reply(ROUTE_ALL_V4)), 'ipv4', protocols);
    expect(routes.map((r) => [r.fromProtocol, r.stale])).toEqual([
      ['ibgp_a', true],
      ['ebgp_b', false],
      ['ibgp_a', true],
    ]);
    const up = parseShowProtocolsAll(reply(PROTOCOLS_UP));
    expect(
      markGracefulRestartStale(parseShowRouteAll(reply(ROUTE_ALL_V4)), 'ipv4', up).some((r) => r.stale),
    ).toBe(false);
  });

  it('reads route counts and change times', () => {
    expect(parseRouteCount(reply(ROUTE_COUNT), 'master4')).toBe(3);
    expect(() => parseRouteCount(reply(ROUTE_COUNT), 'master6')).toThrow(/no count for table master6/);
    expect(parseRouteChangeTimes(reply(ROUTE_ALL_V4))).toEqual([
      '2026-11-21 23:54:33.736270',
      '2026-11-21 23:54:33.748823',
      '2026-11-21 23:54:33.774264',
    ]);
  });

  it('turns BIRD timestamps into milliseconds with the microseconds kept', () => {
    const earlier = parseBirdTime('2026-11-21 23:54:33.736270');
    const later = parseBirdTime('2026-11-21 23:54:33.748823');
    expect(later - earlier).toBeCloseTo(12.553, 3);
    expect(parseBirdTime('2026-11-21 23:54:34') - earlier).toBeCloseTo(263.73, 3);
    expect(() => parseBirdTime('23:54:33.736')).toThrow(/iso long us/);
  });
});

describe('show protocols all', () => {
  it('reads an Established session and its channels', () => {
    const protocols = parseShowProtocolsAll(reply(PROTOCOLS_UP));
    expect(protocols.map((p) => p.name)).toEqual(['device1', 'ibgp_a']);
    const bgp = protocols[1]!;
    expect(bgp).toMatchObject({
      protocol: 'BGP',
      state: 'up',
      since: '2026-11-21 23:54:33.648833',
      info: 'Established',
      bgpState: 'Established',
      lastError: undefined,
      neighborGracefulRestartActive: false,
    });
    expect(bgp.channels.ipv4).toEqual({
      state: 'UP',
      importedRoutes: 2,
      exportedRoutes: 0,
      importUpdates: { received: 2, rejected: 0, filtered: 0, ignored: 0, accepted: 2 },
      importWithdraws: { received: 0, rejected: 0, filtered: 0, ignored: 0, accepted: 0 },
      neighborGracefulRestart: undefined,
    });
    expect(bgp.channels.ipv6?.importedRoutes).toBe(1);
  });

  it('reads a session whose neighbor is in graceful restart', () => {
    const [bgp] = parseShowProtocolsAll(reply(PROTOCOLS_GR));
    expect(bgp).toMatchObject({
      name: 'ibgp_a',
      state: 'start',
      bgpState: 'Active',
      lastError: 'Socket: Connection closed',
      neighborGracefulRestartActive: true,
    });
    expect(bgp!.channels.ipv4).toMatchObject({
      state: 'START',
      importedRoutes: 2,
      neighborGracefulRestart: 'Regular',
    });
    expect(bgp!.channels.ipv6).toMatchObject({ importedRoutes: 1, neighborGracefulRestart: 'Regular' });
  });
});
