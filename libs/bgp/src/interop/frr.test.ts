// What FRR 8.4's bgpd shows beyond the scenarios reflectors.test.ts runs against every route
// reflector: it marks each stale path itself (RFC 4724 §4.2), so graceful restart is checked
// route by route; it survives a crash of its own; eBGP with a 4-octet ASN (RFC 6793); and what it
// does with a martian next hop. Addresses 127.0.0.131 (FRR), .132 (our iBGP client) and .133 (our
// eBGP speaker) belong to this file.
import { type FrrHandle, freePort, pollUntil, startFrr, type PeerRoute } from '@isthmus/testing';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Prefix } from '../codec/types';
import type { DesiredRoute } from '../rib';
import { BgpSpeaker, type PeerConfig } from '../speaker';

const ASN = 64511;
/** A 4-octet ASN (RFC 6793): above 65535, sent as AS_TRANS in the OPEN's My Autonomous System. */
const EBGP_ASN = 4200000001;
const FRR_ADDRESS = '127.0.0.131';
const IBGP_CLIENT = '127.0.0.132';
const EBGP_SPEAKER = '127.0.0.133';

const community = (n: number): number => ((ASN << 16) | n) >>> 0;

/** 40 IPv4 and 6 IPv6 routes behind documentation next hops (RFC 5737, RFC 3849). */
function table(): Map<Prefix, DesiredRoute> {
  const routes = new Map<Prefix, DesiredRoute>();
  for (let i = 0; i < 40; i++) {
    routes.set(`10.7.${i}.0/24`, {
      nextHop: i % 2 ? '192.0.2.71' : '198.51.100.72',
      attributes: { communities: [community(i % 3)], largeCommunities: [[ASN, 7, i]] },
    });
  }
  for (let i = 0; i < 6; i++) {
    routes.set(`2001:db8:7${i}::/48`, {
      nextHop: '2001:db8::71',
      attributes: { communities: [community(9)], largeCommunities: [[ASN, 7, 100 + i]] },
    });
  }
  return routes;
}
const TABLE = table();
const IPV4 = [...TABLE.keys()].filter((p) => !p.includes(':')).sort();
const IPV6 = [...TABLE.keys()].filter((p) => p.includes(':')).sort();

const prefixes = (routes: readonly PeerRoute[]): string[] => routes.map((r) => r.prefix).sort();

describe('interop: FRR (bgpd) beyond the shared reflector scenarios', () => {
  let frr: FrrHandle;
  let port: number;
  const speakers: BgpSpeaker[] = [];

  const speaker = (peer: Partial<PeerConfig> & { localAsn?: number } = {}): BgpSpeaker => {
    const { localAsn = ASN, ...overrides } = peer;
    const s = new BgpSpeaker({
      localAsn,
      routerId: '192.0.2.251',
      peers: [
        {
          name: 'frr',
          address: FRR_ADDRESS,
          port,
          peerAsn: ASN,
          localAddress: IBGP_CLIENT,
          holdTimeSeconds: 9,
          connectRetry: { initialSeconds: 0.1, maxSeconds: 1 },
          gracefulRestart: { restartTimeSeconds: 120, restarting: false },
          ...overrides,
        },
      ],
    });
    speakers.push(s);
    return s;
  };

  const both = async (): Promise<PeerRoute[]> => [
    ...(await frr.routes('ipv4')),
    ...(await frr.routes('ipv6')),
  ];

  const holdsTable = (what: string, v4 = IPV4, v6 = IPV6): Promise<PeerRoute[]> =>
    pollUntil(
      what,
      async () => {
        const routes = await both();
        const ok =
          JSON.stringify(prefixes(routes)) === JSON.stringify([...v4, ...v6].sort()) &&
          routes.every((r) => !r.stale);
        return ok ? routes : undefined;
      },
      { timeoutMs: 30_000 },
    );

  beforeEach(async () => {
    port = await freePort();
    frr = await startFrr({
      address: FRR_ADDRESS,
      port,
      neighbors: [
        // Passive: our speaker connects (FRR's port for us is never used).
        {
          address: IBGP_CLIENT,
          port: await freePort(),
          asn: ASN,
          passive: true,
          gracefulRestartSeconds: 120,
        },
        {
          address: EBGP_SPEAKER,
          port: await freePort(),
          asn: EBGP_ASN,
          passive: true,
          gracefulRestartSeconds: 120,
        },
      ],
    });
  });

  afterEach(async () => {
    await Promise.all(speakers.splice(0).map((s) => s.stop()));
    await frr.destroy();
  });

  it('graceful restart of our side, route by route: every route stale while we are away, each fresh again after our End-of-RIB, none withdrawn in between', async () => {
    const before = speaker();
    before.setRoutes(TABLE);
    await before.start();
    await holdsTable('our table in FRR');
    const firstStatus = await frr.neighborStatus(IBGP_CLIENT);
    expect(firstStatus).toMatchObject({
      localGracefulRestartMode: 'Restart',
      remoteGracefulRestartMode: 'Restart',
      endOfRibReceived: ['ipv4', 'ipv6'],
    });

    // Watch FRR's table from here on: a prefix that goes missing even once is a flap.
    const dropped = IPV4[5]!;
    const kept = [...IPV4, ...IPV6].filter((p) => p !== dropped);
    const gaps: string[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const have = new Set(prefixes(await both()));
        const missing = kept.filter((p) => !have.has(p));
        if (missing.length > 0) gaps.push(`${missing.length} missing, e.g. ${missing[0]}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    // RFC 4724 §4.2: the session ends without NOTIFICATION; FRR keeps every route, marked stale,
    // and runs the restart timer we announced (120 s).
    await before.stop({ graceful: true });
    const stale = await frr.waitForRoutes(
      'ipv4',
      (routes) => routes.length === IPV4.length && routes.every((r) => r.stale),
      {
        what: 'every IPv4 route stale in FRR',
      },
    );
    expect(prefixes(stale)).toEqual(IPV4);
    expect((await frr.routes('ipv6')).every((r) => r.stale)).toBe(true);
    const restarting = await frr.neighborStatus(IBGP_CLIENT);
    expect(restarting.state).not.toBe('Established');
    expect(restarting.restartTimerRemainingSeconds).toBeGreaterThan(0);
    expect(restarting.restartTimerRemainingSeconds).toBeLessThanOrEqual(120);

    // Back with the Restart State bit (RFC 4724 §3), one route fewer. Until our End-of-RIB the
    // routes we have not sent again stay stale; after it FRR flushes the one we did not send.
    const after = speaker({ gracefulRestart: { restartTimeSeconds: 120, restarting: true } });
    after.setRoutes(new Map([...TABLE].filter(([prefix]) => prefix !== dropped)));
    await after.start();
    await frr.waitForEstablished(IBGP_CLIENT);
    const fresh = await holdsTable(
      'every route but the dropped one fresh in FRR',
      IPV4.filter((p) => p !== dropped),
    );
    watching = false;
    await watcher;
    expect(gaps).toEqual([]);
    expect(prefixes(fresh)).not.toContain(dropped);
    expect(await frr.neighborStatus(IBGP_CLIENT)).toMatchObject({
      state: 'Established',
      remoteGracefulRestartMode: 'Restart',
      restartTimerRemainingSeconds: undefined,
      endOfRibReceived: ['ipv4', 'ipv6'],
      connectionsEstablished: firstStatus.connectionsEstablished + 1,
      acceptedPrefixes: { ipv4: IPV4.length - 1, ipv6: IPV6.length },
    });
  });

  it('an orderly stop of our side (Cease) removes our routes from FRR at once, graceful restart or not', async () => {
    const s = speaker();
    s.setRoutes(TABLE);
    await s.start();
    await holdsTable('our table in FRR');
    await s.stop();
    await frr.waitForRouteCount('ipv4', 0);
    await frr.waitForRouteCount('ipv6', 0);
    // Cease / Administrative Shutdown (RFC 4486 §4); RFC 4724 §4.2 keeps routes only when the
    // session ends without NOTIFICATION (or with the N bit of RFC 8538, which we do not set).
    expect(s.peerStatus('frr').lastNotificationSent).toMatchObject({ code: 6, subcode: 2 });
    expect(await frr.neighborStatus(IBGP_CLIENT)).toMatchObject({
      lastResetDueTo: 'BGP Notification received',
      restartTimerRemainingSeconds: undefined,
    });
  });

  it('after FRR crashes (SIGKILL: no NOTIFICATION), the session comes back and our table is sent again', async () => {
    const s = speaker();
    s.setRoutes(TABLE);
    await s.start();
    await holdsTable('our table in FRR');
    await frr.kill();
    await frr.start();
    await frr.waitForEstablished(IBGP_CLIENT);
    await holdsTable('our table in the restarted FRR');
    // A new bgpd starts empty, so what it holds came over its first session, our second one.
    expect(await frr.neighborStatus(IBGP_CLIENT)).toMatchObject({
      connectionsEstablished: 1,
      acceptedPrefixes: { ipv4: IPV4.length, ipv6: IPV6.length },
    });
    expect(s.peerStatus('frr').messagesOut.open).toBe(2);
    expect(s.peerStatus('frr').state).toBe('Established');
  });

  it('eBGP from a 4-octet local ASN (RFC 6793): the session comes up and FRR holds our routes with our ASN as AS_PATH', async () => {
    const s = speaker({ localAsn: EBGP_ASN, localAddress: EBGP_SPEAKER });
    s.setRoutes(TABLE);
    await s.start();
    await frr.waitForEstablished(EBGP_SPEAKER);
    const routes = await holdsTable('our table in FRR, from the eBGP session');
    for (const route of routes) {
      const desired = TABLE.get(route.prefix as Prefix)!;
      expect(route).toMatchObject({
        nextHop: desired.nextHop,
        asPath: [EBGP_ASN],
        // LOCAL_PREF is not sent to external peers (RFC 4271 §5.1.5).
        localPref: undefined,
        fromProtocol: EBGP_SPEAKER,
        stale: false,
      });
      expect(route.communities).toEqual(
        desired.attributes!.communities!.map((c) => `${c >>> 16}:${c & 0xffff}`),
      );
      expect(route.largeCommunities).toEqual(desired.attributes!.largeCommunities!.map((l) => l.join(':')));
    }
    expect(await frr.neighborStatus(EBGP_SPEAKER)).toMatchObject({
      state: 'Established',
      remoteAsn: EBGP_ASN,
    });
    expect(s.peerStatus('frr').session).toMatchObject({ fourOctetAs: true, peerAsn: ASN });
  });

  it('a next hop in 127.0.0.0/8 is martian to FRR: it ends the session with an UPDATE error instead of ignoring the route', async () => {
    // RFC 4271 §6.3 says a semantically incorrect NEXT_HOP "SHOULD be logged, and the route
    // SHOULD be ignored"; FRR 8.4 sends a NOTIFICATION. This is why every test here uses
    // documentation next hops.
    const s = speaker({ gracefulRestart: undefined });
    s.setRoutes(new Map([...TABLE, ['10.8.0.0/24', { nextHop: '127.0.0.5' }]]));
    await s.start();
    const notification = await pollUntil(
      'a NOTIFICATION from FRR',
      () => s.peerStatus('frr').lastNotificationReceived,
      {
        timeoutMs: 20_000,
      },
    );
    // UPDATE Message Error (3), Invalid NEXT_HOP Attribute (8): RFC 4271 §4.5, §6.3.
    expect(notification).toMatchObject({ code: 3, subcode: 8 });
    expect(frr.recentOutput()).toContain('Martian nexthop 127.0.0.5');
  });
});
