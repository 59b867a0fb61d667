// Interop with real route reflectors: BIRD 2, gobgpd 3.10 and FRR 8.4's bgpd, each with our
// speaker as an iBGP route-reflector client (RFC 4456) of ASN 64511, on loopback. Addresses
// 127.0.0.101/102 (BIRD), 127.0.0.111/112 (gobgpd) and 127.0.0.121/122 (FRR) belong to this file.
import {
  freePort,
  startBird,
  startFrr,
  startGobgpd,
  type AddressFamily,
  type PeerRoute,
  pollUntil,
} from '@isthmus/testing';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Prefix } from '../codec/types';
import type { DesiredRoute, PathOptions } from '../rib';
import { BgpSpeaker, type PeerConfig } from '../speaker';

// The routes our speaker advertises in the interop tests: pod blocks behind nodes whose
// addresses are documentation prefixes (RFC 5737, RFC 3849) — gobgpd drops loopback next hops as
// martian, FRR even resets the session over one — with a cluster community and a large community, as DESIGN.md describes them.

const ASN = 64511;

const NODES_V4 = ['192.0.2.10', '198.51.100.20', '203.0.113.30'];
const NODES_V6 = ['2001:db8::10', '2001:db8::20'];

/** Cluster n's attributes: community 64511:n, large community 64511:1:n. */
function cluster(n: number): PathOptions {
  return { communities: [((ASN << 16) | n) >>> 0], largeCommunities: [[ASN, 1, n]] };
}

interface ExpectedRoute {
  prefix: Prefix;
  nextHop: string;
  communities: string[];
  largeCommunities: string[];
}

function interopTable(v4 = 120, v6 = 12): { routes: Map<Prefix, DesiredRoute>; expected: ExpectedRoute[] } {
  const routes = new Map<Prefix, DesiredRoute>();
  const expected: ExpectedRoute[] = [];
  const clusters = [cluster(1), cluster(2)];
  const add = (prefix: Prefix, nextHop: string, c: number): void => {
    routes.set(prefix, { nextHop, attributes: clusters[c - 1]! });
    expected.push({ prefix, nextHop, communities: [`${ASN}:${c}`], largeCommunities: [`${ASN}:1:${c}`] });
  };
  for (let i = 0; i < v4; i++)
    add(`10.2.${i >> 2}.${(i & 3) << 6}/26`, NODES_V4[i % NODES_V4.length]!, 1 + (i % 2));
  for (let i = 0; i < v6; i++)
    add(`2001:db8:${(0x100 + i).toString(16)}::/64`, NODES_V6[i % NODES_V6.length]!, 1 + (i % 2));
  return { routes, expected };
}

/** The fields a reflector must have kept, sorted by prefix, for comparing whole tables. */
function essentials(
  routes: readonly { prefix: string; nextHop: string; communities: string[]; largeCommunities: string[] }[],
): ExpectedRoute[] {
  return routes
    .map((r) => ({
      prefix: r.prefix,
      nextHop: r.nextHop,
      communities: [...r.communities].sort(),
      largeCommunities: [...r.largeCommunities].sort(),
    }))
    .sort((a, b) => a.prefix.localeCompare(b.prefix));
}

// The scenarios, run against each route reflector.

/** A route reflector under test, whatever implementation it is. */
interface Reflector {
  address: string;
  port: number;
  /** The routes it holds from our speaker. */
  routes(family: AddressFamily): Promise<PeerRoute[]>;
  waitForEstablished(): Promise<void>;
  /** Orderly restart: Cease to us, then back with an empty table. */
  restart(): Promise<void>;
  /** Asks us for our routes again with a ROUTE-REFRESH (RFC 2918), when the CLI can. */
  requestRouteRefresh?(): Promise<void>;
  destroy(): Promise<void>;
}

interface InteropSetup {
  /** Our speaker's address (127.0.0.x): the reflector's neighbor. */
  speakerAddress: string;
  /** The reflector's CLI can make it send a ROUTE-REFRESH (gobgp's cannot: softresetin is local). */
  canRequestRouteRefresh: boolean;
  startReflector(): Promise<Reflector>;
}

const { routes: table, expected } = interopTable();
const expectedV4 = expected.filter((r) => !r.prefix.includes(':'));
const expectedV6 = expected.filter((r) => r.prefix.includes(':'));

function reflectorInterop(setup: InteropSetup): void {
  let reflector: Reflector;
  const speakers: BgpSpeaker[] = [];

  const speaker = (restarting = false): BgpSpeaker => {
    const peer: PeerConfig = {
      name: 'rr',
      address: reflector.address,
      port: reflector.port,
      peerAsn: ASN,
      localAddress: setup.speakerAddress,
      holdTimeSeconds: 9,
      connectRetry: { initialSeconds: 0.1, maxSeconds: 1 },
      gracefulRestart: { restartTimeSeconds: 120, restarting },
    };
    const s = new BgpSpeaker({ localAsn: ASN, routerId: '192.0.2.250', peers: [peer] });
    speakers.push(s);
    return s;
  };

  const holds = async (v4: typeof expectedV4, v6: typeof expectedV6): Promise<void> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const [got4, got6] = [await reflector.routes('ipv4'), await reflector.routes('ipv6')];
      const ok =
        JSON.stringify(essentials(got4)) === JSON.stringify(essentials(v4)) &&
        JSON.stringify(essentials(got6)) === JSON.stringify(essentials(v6));
      if (ok || Date.now() > deadline) {
        expect(essentials(got4)).toEqual(essentials(v4));
        expect(essentials(got6)).toEqual(essentials(v6));
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeEach(async () => {
    reflector = await setup.startReflector();
  });

  afterEach(async () => {
    await Promise.all(speakers.splice(0).map((s) => s.stop()));
    await reflector.destroy();
  });

  it('reaches Established and the reflector holds our IPv4 and IPv6 routes with next hops and communities', async () => {
    const s = speaker();
    s.setRoutes(table);
    await s.start();
    await reflector.waitForEstablished();
    await holds(expectedV4, expectedV6);
    for (const route of [...(await reflector.routes('ipv4')), ...(await reflector.routes('ipv6'))]) {
      expect(route).toMatchObject({ origin: 'igp', asPath: [], localPref: 100, stale: false });
    }
    expect(s.peerStatus('rr')).toMatchObject({
      state: 'Established',
      advertised: { 1: expectedV4.length, 2: expectedV6.length },
      session: { families: [1, 2], peerGracefulRestart: true },
    });
  });

  it('a withdrawal removes the routes, and only those', async () => {
    const s = speaker();
    s.setRoutes(table);
    await s.start();
    await holds(expectedV4, expectedV6);
    const gone = [expectedV4[3]!.prefix, expectedV4[77]!.prefix, expectedV6[5]!.prefix];
    s.removeRoutes(gone);
    await holds(
      expectedV4.filter((r) => !gone.includes(r.prefix)),
      expectedV6.filter((r) => !gone.includes(r.prefix)),
    );
  });

  it('after the reflector restarts, the session comes back and the table is sent again', async () => {
    const s = speaker();
    s.setRoutes(table);
    await s.start();
    await holds(expectedV4, expectedV6);
    await reflector.restart();
    await reflector.waitForEstablished();
    await holds(expectedV4, expectedV6);
    expect(s.peerStatus('rr').lastNotificationReceived).toMatchObject({ code: 6 });
  });

  if (setup.canRequestRouteRefresh) {
    it('answers a ROUTE-REFRESH with the whole table again (RFC 2918 §4)', async () => {
      const s = speaker();
      s.setRoutes(table);
      await s.start();
      await holds(expectedV4, expectedV6);
      const sentBefore = s.peerStatus('rr').messagesOut.update;
      await reflector.requestRouteRefresh!();
      await pollUntil('the ROUTE-REFRESH', () => s.peerStatus('rr').messagesIn['route-refresh'] > 0, {
        intervalMs: 2,
      });
      await pollUntil('our answer', () => s.peerStatus('rr').messagesOut.update > sentBefore, {
        intervalMs: 2,
      });
      await holds(expectedV4, expectedV6);
      expect(s.peerStatus('rr').state).toBe('Established');
    });
  }

  it('graceful restart of our side: the reflector keeps every route until our End-of-RIB, nothing is withdrawn', async () => {
    const before = speaker();
    before.setRoutes(table);
    await before.start();
    await holds(expectedV4, expectedV6);

    // Watch the reflector's table continuously from here on.
    const dropped = expectedV4[10]!.prefix;
    const kept = expected.filter((r) => r.prefix !== dropped).map((r) => r.prefix);
    const gaps: string[] = [];
    let droppedSeenStale = false;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const routes = [...(await reflector.routes('ipv4')), ...(await reflector.routes('ipv6'))];
        const have = new Set(routes.map((r) => r.prefix));
        const missing = kept.filter((p) => !have.has(p));
        if (missing.length > 0) gaps.push(`${missing.length} missing, e.g. ${missing[0]}`);
        if (routes.some((r) => r.prefix === dropped && r.stale)) droppedSeenStale = true;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    // The process "restarts": the session ends without NOTIFICATION (RFC 4724 §4.2) …
    await before.stop({ graceful: true });
    await pollUntil('our routes to be kept as stale', () => droppedSeenStale, {
      timeoutMs: 20_000,
      intervalMs: 2,
    });
    // … and a new speaker, R bit set, comes back without one of the routes.
    const after = speaker(true);
    after.setRoutes(new Map([...table].filter(([prefix]) => prefix !== dropped)));
    await after.start();
    await reflector.waitForEstablished();
    await holds(
      expectedV4.filter((r) => r.prefix !== dropped),
      expectedV6,
    );
    watching = false;
    await watcher;
    expect(gaps).toEqual([]);
    const routes = [...(await reflector.routes('ipv4')), ...(await reflector.routes('ipv6'))];
    expect(routes.filter((r) => r.stale)).toEqual([]);
  });
}

const BIRD_ADDRESS = '127.0.0.101';
const BIRD_CLIENT_ADDRESS = '127.0.0.102';
const PROTOCOL = 'isthmus';

describe('interop: BIRD 2 as route reflector', () => {
  reflectorInterop({
    speakerAddress: BIRD_CLIENT_ADDRESS,
    canRequestRouteRefresh: true,
    async startReflector() {
      const port = await freePort();
      const bird = await startBird({
        address: BIRD_ADDRESS,
        port,
        asn: ASN,
        neighbors: [
          {
            name: PROTOCOL,
            address: BIRD_CLIENT_ADDRESS,
            port: await freePort(), // never used: BIRD is passive, our speaker connects
            asn: ASN,
            routeReflectorClient: true,
            passive: true,
            gracefulRestart: true,
          },
        ],
      });
      return {
        address: BIRD_ADDRESS,
        port,
        routes: (family) => bird.routes(family, { protocol: PROTOCOL }),
        waitForEstablished: async () => {
          await bird.waitForEstablished(PROTOCOL);
        },
        restart: () => bird.restart(),
        requestRouteRefresh: async () => {
          await bird.command(`reload in ${PROTOCOL}`);
        },
        destroy: () => bird.destroy(),
      };
    },
  });
});

const GOBGPD_ADDRESS = '127.0.0.111';
const GOBGPD_CLIENT_ADDRESS = '127.0.0.112';

describe('interop: gobgpd as route reflector', () => {
  reflectorInterop({
    speakerAddress: GOBGPD_CLIENT_ADDRESS,
    canRequestRouteRefresh: false,
    async startReflector() {
      const port = await freePort();
      const gobgpd = await startGobgpd({
        address: GOBGPD_ADDRESS,
        port,
        asn: ASN,
        neighbors: [
          {
            address: GOBGPD_CLIENT_ADDRESS,
            port: await freePort(), // never used: gobgpd is passive, our speaker connects
            asn: ASN,
            passive: true,
            routeReflectorClient: true,
            gracefulRestartSeconds: 120,
          },
        ],
      });
      return {
        address: GOBGPD_ADDRESS,
        port,
        // The global RIB: gobgpd has no other neighbor, so every route in it is ours.
        routes: (family) => gobgpd.routes(family),
        waitForEstablished: () => gobgpd.waitForEstablished(GOBGPD_CLIENT_ADDRESS),
        restart: () => gobgpd.restart(),
        destroy: () => gobgpd.destroy(),
      };
    },
  });
});

const FRR_ADDRESS = '127.0.0.121';
const FRR_CLIENT_ADDRESS = '127.0.0.122';

describe('interop: FRR (bgpd) as route reflector', () => {
  reflectorInterop({
    speakerAddress: FRR_CLIENT_ADDRESS,
    canRequestRouteRefresh: true,
    async startReflector() {
      const port = await freePort();
      const frr = await startFrr({
        address: FRR_ADDRESS,
        port,
        neighbors: [
          {
            address: FRR_CLIENT_ADDRESS,
            port: await freePort(), // never used: FRR is passive, our speaker connects
            asn: ASN,
            passive: true,
            routeReflectorClient: true,
            gracefulRestartSeconds: 120,
          },
        ],
      });
      return {
        address: FRR_ADDRESS,
        port,
        // The whole table: FRR has no other neighbor, so every route in it is ours.
        routes: (family) => frr.routes(family),
        waitForEstablished: async () => {
          await frr.waitForEstablished(FRR_CLIENT_ADDRESS);
        },
        restart: () => frr.restart(),
        requestRouteRefresh: () => frr.requestRouteRefresh(FRR_CLIENT_ADDRESS),
        destroy: () => frr.destroy(),
      };
    },
  });
});
