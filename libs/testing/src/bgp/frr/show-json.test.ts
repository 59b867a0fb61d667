import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  countFrrPrefixes,
  type FrrNeighborsJson,
  type FrrRouteTableJson,
  parseFrrNeighbor,
  parseFrrRoutes,
} from './show-json';

// fixtures/: vtysh's output, captured from FRR 8.4.4's bgpd (Debian 12's frr) run by startFrr as
// route reflector 127.0.0.121 (ASN 64511), with libs/bgp's BgpSpeaker as its iBGP client
// 127.0.0.122 (graceful restart, 120 s) and as an eBGP neighbor 127.0.0.123 of ASN 4200000001:
//   ibgp-*            the client's table, End-of-RIB received: 10.2.0.0/26, 10.2.0.64/26 (MED 5,
//                     LOCAL_PREF 200, NO_EXPORT, two large communities), 10.5.0.0/24 (every
//                     well-known community), 2001:db8:100::/64
//   gr-*-stale        after the client closed its session without NOTIFICATION (RFC 4724 §4.2)
//   gr-*-after-eor    the client back, R bit set, without 10.2.0.0/26, after its End-of-RIB
//   ebgp-*            10.4.0.0/24 from the eBGP neighbor (4-octet AS, RFC 6793)
//   neighbor-*        `show bgp neighbors ADDR json` at those moments
const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(join(__dirname, 'fixtures', `${name}.json`), 'utf8')) as T;
const table = (name: string): FrrRouteTableJson => fixture<FrrRouteTableJson>(name);
const neighbors = (name: string): FrrNeighborsJson => fixture<FrrNeighborsJson>(name);

const CLIENT = '127.0.0.122';

describe('FRR route table JSON (show bgp ... json detail)', () => {
  it('maps each prefix to the shared route shape: next hop, communities, large communities, MED, LOCAL_PREF', () => {
    const routes = parseFrrRoutes(table('ibgp-ipv4-detail'));
    expect(routes.map((r) => r.prefix)).toEqual(['10.2.0.0/26', '10.2.0.64/26', '10.5.0.0/24']);
    expect(routes[0]).toEqual({
      prefix: '10.2.0.0/26',
      nextHop: '192.0.2.10',
      origin: 'igp',
      asPath: [],
      localPref: 100,
      med: undefined,
      communities: ['64511:1'],
      largeCommunities: ['64511:1:1'],
      stale: false,
      fromProtocol: CLIENT,
    });
    expect(routes[1]).toEqual({
      prefix: '10.2.0.64/26',
      nextHop: '198.51.100.20',
      origin: 'igp',
      asPath: [],
      localPref: 200,
      med: 5,
      communities: ['64511:2', '65535:65281'],
      largeCommunities: ['64511:1:2', '4200000001:5:6'],
      stale: false,
      fromProtocol: CLIENT,
    });
  });

  it('turns the names FRR gives well-known communities back into numbers', () => {
    const [, , wellKnown] = parseFrrRoutes(table('ibgp-ipv4-detail'));
    expect(wellKnown?.communities).toEqual([
      '0:0',
      '65535:0',
      '65535:1',
      '65535:2',
      '65535:3',
      '65535:4',
      '65535:5',
      '65535:6',
      '65535:7',
      '65535:8',
      '65535:666',
      '65535:65281',
      '65535:65282',
      '65535:65283',
      '65535:65284',
    ]);
  });

  it('takes the global IPv6 next hop (MP_REACH_NLRI, RFC 4760 §3)', () => {
    expect(parseFrrRoutes(table('ibgp-ipv6-detail'))).toEqual([
      {
        prefix: '2001:db8:100::/64',
        nextHop: '2001:db8::10',
        origin: 'igp',
        asPath: [],
        localPref: 100,
        med: undefined,
        communities: ['64511:1'],
        largeCommunities: ['64511:1:1'],
        stale: false,
        fromProtocol: CLIENT,
      },
    ]);
  });

  it('marks every route of a neighbor in graceful restart stale, and none after its End-of-RIB', () => {
    const stale = parseFrrRoutes(table('gr-ipv4-detail-stale'));
    expect(stale.map((r) => [r.prefix, r.stale])).toEqual([
      ['10.2.0.0/26', true],
      ['10.2.0.64/26', true],
      ['10.5.0.0/24', true],
    ]);
    const after = parseFrrRoutes(table('gr-ipv4-detail-after-eor'));
    // 10.2.0.0/26 was not announced again: flushed at End-of-RIB (RFC 4724 §4.2).
    expect(after.map((r) => [r.prefix, r.stale])).toEqual([
      ['10.2.0.64/26', false],
      ['10.5.0.0/24', false],
    ]);
  });

  it('reads a 4-octet AS_PATH from an eBGP neighbor, with no LOCAL_PREF', () => {
    expect(parseFrrRoutes(table('ebgp-ipv4-detail'))).toEqual([
      {
        prefix: '10.4.0.0/24',
        nextHop: '203.0.113.30',
        origin: 'igp',
        asPath: [4200000001],
        localPref: undefined,
        med: undefined,
        communities: ['64511:3'],
        largeCommunities: [],
        stale: false,
        fromProtocol: '127.0.0.123',
      },
    ]);
  });

  it('takes the best path when a prefix has several, and reads ORIGINATOR_ID and CLUSTER_LIST', () => {
    // The captured eBGP path, and beside it an iBGP one as a reflector would hold it (same shape,
    // the fields FRR adds for reflected routes), marked best.
    const [header, ebgp] = table('ebgp-ipv4-detail').routes!['10.4.0.0/24']!;
    const reflected = {
      ...ebgp,
      aspath: { string: 'Local', segments: [], length: 0 },
      bestpath: { overall: true },
      originatorId: '192.0.2.7',
      clusterList: { list: ['192.0.2.1', '192.0.2.2'] },
      nexthops: [{ ip: '192.0.2.7', afi: 'ipv4', used: true }],
    };
    const routes = parseFrrRoutes({
      routes: { '10.4.0.0/24': [header!, { ...ebgp, bestpath: undefined }, reflected] },
    });
    expect(routes).toMatchObject([
      {
        nextHop: '192.0.2.7',
        asPath: [],
        originatorId: '192.0.2.7',
        clusterList: ['192.0.2.1', '192.0.2.2'],
      },
    ]);
  });

  it('counts the prefixes of a table, with or without detail', () => {
    expect(countFrrPrefixes(table('ibgp-ipv4'))).toBe(3);
    expect(countFrrPrefixes(table('ibgp-ipv4-detail'))).toBe(3);
    expect(countFrrPrefixes(table('gr-ipv4-detail-after-eor'))).toBe(2);
    expect(countFrrPrefixes({ routes: {} })).toBe(0);
  });
});

describe('FRR neighbor JSON (show bgp neighbors ADDR json)', () => {
  it('an Established iBGP client after its End-of-RIB', () => {
    expect(parseFrrNeighbor(neighbors('neighbor-established'), CLIENT)).toEqual({
      address: CLIENT,
      state: 'Established',
      remoteAsn: 64511,
      localGracefulRestartMode: 'Restart',
      remoteGracefulRestartMode: 'Restart',
      restartTimerRemainingSeconds: undefined,
      endOfRibReceived: ['ipv4', 'ipv6'],
      endOfRibSent: [],
      acceptedPrefixes: { ipv4: 3, ipv6: 1 },
      messagesSent: { open: 1, update: 0, keepalive: 1, notification: 0, routeRefresh: 0 },
      messagesReceived: { open: 1, update: 6, keepalive: 1, notification: 0, routeRefresh: 0 },
      connectionsEstablished: 1,
      connectionsDropped: 0,
      lastResetDueTo: 'No AFI/SAFI activated for peer',
    });
  });

  it('a client in graceful restart: session down, restart timer running, routes kept', () => {
    expect(parseFrrNeighbor(neighbors('neighbor-restarting'), CLIENT)).toMatchObject({
      state: 'Idle',
      remoteGracefulRestartMode: 'NotApplicable',
      restartTimerRemainingSeconds: 119,
      endOfRibReceived: [],
      acceptedPrefixes: { ipv4: 3, ipv6: 1 },
      connectionsDropped: 1,
      lastResetDueTo: 'NSF peer closed the session',
    });
  });

  it('the client back after its End-of-RIB: timer stopped, one prefix fewer', () => {
    expect(parseFrrNeighbor(neighbors('neighbor-after-eor'), CLIENT)).toMatchObject({
      state: 'Established',
      restartTimerRemainingSeconds: undefined,
      endOfRibReceived: ['ipv4', 'ipv6'],
      acceptedPrefixes: { ipv4: 2, ipv6: 1 },
      connectionsEstablished: 2,
    });
  });

  it('an eBGP neighbor with a 4-octet ASN', () => {
    expect(parseFrrNeighbor(neighbors('neighbor-ebgp'), '127.0.0.123')).toMatchObject({
      state: 'Established',
      remoteAsn: 4200000001,
      acceptedPrefixes: { ipv4: 1, ipv6: 0 },
    });
  });

  it('a neighbor FRR does not know is an error, not an empty status', () => {
    expect(() => parseFrrNeighbor(neighbors('neighbor-unknown'), '127.0.0.99')).toThrow(
      'FRR has no neighbor 127.0.0.99: {"bgpNoSuchNeighbor":true}',
    );
    // Asked about another address than the one in the answer.
    expect(() => parseFrrNeighbor(neighbors('neighbor-ebgp'), CLIENT)).toThrow(
      /has no neighbor 127\.0\.0\.122/,
    );
  });
});
