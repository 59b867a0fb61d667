import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '@isthmus/testing';
// Test helpers of libs/bgp (not its public surface): a scripted peer and malformed messages.
import { malformed } from '../../../../libs/bgp/src/testing/malformed';
import { handshake, listenTestPeer, type TestPeerServer } from '../../../../libs/bgp/src/testing/test-peer';
import { REFLECTOR_ASN, startReflector, type TestReflector } from '../testing/reflectors';
import { startRouting, type RoutingUnderTest } from '../testing/routing-harness';
import { Upstream } from '../testing/upstream';

/**
 * A peer that sends malformed messages gets the NOTIFICATION RFC 4271 §6 prescribes; the
 * service lives on and its session with a well-behaved reflector (BIRD) is untouched.
 */
const BIRD_ADDRESS = '127.0.0.95';
const BAD_PEER_ADDRESS = '127.0.0.96';
const ROUTING_ADDRESS = '127.0.0.97';

describe('routing service with a misbehaving peer beside a good one', () => {
  let bird: TestReflector;
  let bad: TestPeerServer;
  let routing: RoutingUnderTest;
  let upstream: Upstream;
  let badId: string;
  let goodId: string;

  beforeAll(async () => {
    bird = await startReflector('BIRD', BIRD_ADDRESS, [ROUTING_ADDRESS]);
    bad = await listenTestPeer(BAD_PEER_ADDRESS, 0);
    routing = await startRouting({
      env: {
        ROUTING_SOURCE_ADDRESS: ROUTING_ADDRESS,
        ROUTING_ROUTER_ID: ROUTING_ADDRESS,
        ROUTING_REQUIRE_VERDICT: 'false',
      },
    });
    upstream = Upstream.open(routing.config.natsUrl, routing.config.subjectRoot);
    await upstream.registry(
      upstream.cluster('k8s'),
      upstream.block('k8s', '192.168.0.0/26', 'w1', '192.0.2.11'),
    );
    const good = await routing.request('POST', '/v1/peers', {
      address: BIRD_ADDRESS,
      port: bird.port,
      peerAsn: REFLECTOR_ASN,
    });
    expect(good.status).toBe(201);
    goodId = good.body.id;
    const added = await routing.request('POST', '/v1/peers', {
      address: BAD_PEER_ADDRESS,
      port: bad.port,
      peerAsn: REFLECTOR_ASN,
      holdTimeSeconds: 30,
    });
    expect(added.status).toBe(201);
    badId = added.body.id;
  }, 120_000);

  afterAll(async () => {
    await upstream?.close();
    await routing?.stop();
    await bad?.close();
    await bird?.destroy();
  });

  it.each([
    ['a bad marker', 1, 1, malformed.badMarker],
    ['a truncated NLRI', 3, 10, malformed.truncatedNlri],
    ['an unknown message type', 1, 3, () => malformed.unknownType(42)],
  ] as [string, number, number, () => Uint8Array][])(
    '%s → NOTIFICATION %i/%i, nothing else disturbed',
    async (_, code, subcode, bytes) => {
      await bird.waitForEstablished(ROUTING_ADDRESS);
      await pollUntil('the route at BIRD', async () =>
        (await bird.routes('ipv4')).some((r) => r.prefix === '192.168.0.0/26'),
      );
      await pollUntil('our session with BIRD Established', async () => {
        const s = (await routing.request('GET', `/v1/peers/${goodId}/status`)).body.session;
        return s?.state === 'Established';
      });
      const goodBefore = (await routing.request('GET', `/v1/peers/${goodId}/status`)).body.session;

      let connection = await bad.connections.next();
      for (;;) {
        try {
          await handshake(connection, { asn: REFLECTOR_ASN, bgpIdentifier: '192.0.2.96' });
          break;
        } catch (e) {
          if (!connection.closedNow) throw e;
          connection = await bad.connections.next(); // a connection our side gave up; the next one
        }
      }
      connection.send(bytes());
      expect(await connection.nextOf('notification')).toMatchObject({ code, subcode });
      await connection.waitClosed();

      const status = (await routing.request('GET', `/v1/peers/${badId}/status`)).body;
      expect(status.session.lastNotificationSent).toMatchObject({ code, subcode });
      expect((await routing.request('GET', '/healthz', undefined, null)).status).toBe(200);
      expect(await bird.isEstablished(ROUTING_ADDRESS)).toBe(true);
      expect((await bird.routes('ipv4')).map((r) => r.prefix)).toEqual(['192.168.0.0/26']);
      // The same session with BIRD as before: never reset.
      const goodAfter = (await routing.request('GET', `/v1/peers/${goodId}/status`)).body.session;
      expect(goodAfter).toMatchObject({ state: 'Established', since: goodBefore.since });
    },
  );
});
