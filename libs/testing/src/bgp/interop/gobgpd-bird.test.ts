import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BirdRoute } from '../bird/bird';
import { measureTableTransfer } from '../measure/table-transfer';
import type { AddressFamily, PeerRoute } from '../route';
import { type FixtureRoute, fixtureTable } from './fixture-routes';
import { type ReflectorPair, startReflectorPair } from './topology';

// gobgpd loaded from an MRT file, BIRD 2 reflecting: what the harness promises to the interop
// tests and the benchmark. Loopback addresses 127.0.0.41/42 belong to this file.
const BIRD_ADDRESS = '127.0.0.41';
const GOBGPD_ADDRESS = '127.0.0.42';
const IPV4_ROUTES = 1000;
const { mrt, expected } = fixtureTable(IPV4_ROUTES);
const expectedIpv4 = expected.filter((r) => !r.prefix.includes(':'));
const expectedIpv6 = expected.filter((r) => r.prefix.includes(':'));

/** The fields the fixture decides, sorted by prefix, for whole-table comparisons. */
function essentials(routes: readonly (PeerRoute | FixtureRoute)[]): FixtureRoute[] {
  return routes
    .map((r) => ({ prefix: r.prefix, nextHop: r.nextHop, communities: [...r.communities].sort() }))
    .sort((a, b) => a.prefix.localeCompare(b.prefix));
}

async function routesOf(pair: ReflectorPair, family: AddressFamily): Promise<BirdRoute[]> {
  return pair.bird.routes(family, { protocol: pair.protocol });
}

describe('gobgpd behind BIRD as route reflector', () => {
  let pair: ReflectorPair | undefined;

  afterEach(async () => {
    await pair?.destroy();
    pair = undefined;
  });

  describe('with the table loaded before the session', () => {
    beforeEach(async () => {
      pair = await startReflectorPair({
        birdAddress: BIRD_ADDRESS,
        gobgpdAddress: GOBGPD_ADDRESS,
        sessionDisabled: true,
      });
      await pair.load(mrt);
      await pair.bird.enableProtocol(pair.protocol);
      await pair.bird.waitForEstablished(pair.protocol);
      await pair.bird.waitForRouteCount('ipv4', IPV4_ROUTES);
      await pair.bird.waitForRouteCount('ipv6', expectedIpv6.length);
    });

    it('BIRD holds exactly the routes of the MRT file, with their next hops and communities', async () => {
      const p = pair!;
      const ipv4 = await routesOf(p, 'ipv4');
      const ipv6 = await routesOf(p, 'ipv6');
      expect(essentials(ipv4)).toEqual(essentials(expectedIpv4));
      expect(essentials(ipv6)).toEqual(essentials(expectedIpv6));
      for (const route of [...ipv4, ...ipv6]) {
        expect(route).toMatchObject({
          origin: 'igp',
          asPath: [],
          localPref: 100,
          stale: false,
          fromProtocol: p.protocol,
        });
        expect(route.med).toBeUndefined();
      }
      // gobgpd's own view of what it loaded is the same table.
      expect(essentials(await p.gobgpd.routes('ipv4'))).toEqual(essentials(expectedIpv4));
      expect(essentials(await p.gobgpd.routes('ipv6'))).toEqual(essentials(expectedIpv6));
      expect(await p.gobgpd.neighborState(BIRD_ADDRESS)).toBe('ESTABLISHED');
    });

    it('a route withdrawn in gobgpd disappears from BIRD, and only that one', async () => {
      const p = pair!;
      const withdrawn = expectedIpv4[123]!.prefix;
      await p.gobgpd.deleteRoute(withdrawn);
      await p.bird.waitForRouteCount('ipv4', IPV4_ROUTES - 1);
      const left = (await routesOf(p, 'ipv4')).map((r) => r.prefix);
      expect(left).not.toContain(withdrawn);
      expect(left.sort()).toEqual(
        expectedIpv4
          .map((r) => r.prefix)
          .filter((prefix) => prefix !== withdrawn)
          .sort(),
      );
    });

    it('after BIRD restarts, the session comes back and gobgpd sends its table again', async () => {
      const p = pair!;
      await p.bird.restart();
      // A restarted BIRD starts empty: everything it holds afterwards came over the new session.
      await p.bird.waitForEstablished(p.protocol);
      await p.bird.waitForRouteCount('ipv4', IPV4_ROUTES);
      await p.bird.waitForRouteCount('ipv6', expectedIpv6.length);
      expect(essentials(await routesOf(p, 'ipv4'))).toEqual(essentials(expectedIpv4));
      expect(essentials(await routesOf(p, 'ipv6'))).toEqual(essentials(expectedIpv6));
    });

    it('graceful restart: a crashed gobgpd leaves its routes stale in BIRD until it is back and sends End-of-RIB', async () => {
      const p = pair!;
      await p.gobgpd.kill();
      // RFC 4724 §4.2: the receiving speaker keeps the routes, marked stale, while the peer restarts.
      const stale = await p.bird.waitForRoutes(
        'ipv4',
        (routes) => routes.length === IPV4_ROUTES && routes.every((r) => r.stale),
        {
          what: 'every IPv4 route from gobgpd stale in BIRD',
        },
      );
      expect(essentials(stale)).toEqual(essentials(expectedIpv4));
      expect((await p.bird.protocolStatus(p.protocol)).neighborGracefulRestartActive).toBe(true);

      // gobgpd comes back without one of its routes: after its End-of-RIB, BIRD keeps the
      // re-announced routes (no longer stale) and flushes the one that was not (§4.2).
      const dropped = expectedIpv4[7]!.prefix;
      await p.gobgpd.start();
      await p.load(mrt.filter((route) => route.prefix !== dropped));
      await p.bird.waitForEstablished(p.protocol);
      const after = await p.bird.waitForRoutes(
        'ipv4',
        (routes) => routes.length === IPV4_ROUTES - 1 && routes.every((r) => !r.stale),
        { what: 'the re-announced IPv4 routes, none stale' },
      );
      expect(after.map((r) => r.prefix)).not.toContain(dropped);
      expect((await routesOf(p, 'ipv6')).every((r) => !r.stale)).toBe(true);
    });

    it('an orderly gobgpd shutdown (Cease) removes its routes from BIRD at once', async () => {
      const p = pair!;
      await p.gobgpd.stop();
      await p.bird.waitForRouteCount('ipv4', 0);
      await p.bird.waitForRouteCount('ipv6', 0);
    });
  });

  it("measureTableTransfer: the routes BIRD received and the UPDATEs on the wire match gobgpd's own counters", async () => {
    pair = await startReflectorPair({
      birdAddress: BIRD_ADDRESS,
      gobgpdAddress: GOBGPD_ADDRESS,
      sessionDisabled: true,
      countMessages: true,
    });
    const p = pair;
    await p.load(mrt);
    const result = await measureTableTransfer({
      bird: p.bird,
      protocol: p.protocol,
      expectedRoutes: { ipv4: IPV4_ROUTES, ipv6: expectedIpv6.length },
      startSession: () => p.bird.enableProtocol(p.protocol),
      counter: p.counter,
    });
    expect(result.routes).toEqual({ ipv4: IPV4_ROUTES, ipv6: expectedIpv6.length });
    expect(result.routesReceived).toBe(IPV4_ROUTES + expectedIpv6.length);
    // gobgpd counts what it sent; the relay counted what crossed the wire. Each End-of-RIB
    // (RFC 4724 §2) is one more UPDATE, so wait until gobgpd has sent both before comparing.
    await expect
      .poll(async () => (await p.gobgpd.neighborStatus(BIRD_ADDRESS)).messagesSent.update, {
        timeout: 10_000,
      })
      .toBe(p.counter!.counts().fromUpstream.update);
    expect(result.updateMessages).toBeGreaterThan(0);
    expect(result.updateMessages).toBeLessThanOrEqual(p.counter!.counts().fromUpstream.update);
    expect(result.establishedToAllRoutesMs).toBeGreaterThanOrEqual(0);
  });
});
