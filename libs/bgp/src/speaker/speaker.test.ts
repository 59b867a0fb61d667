// Two of our own speakers over real TCP on loopback: one advertises, the other (passive) listens
// and records what it learns.
import { afterEach, describe, expect, it } from 'vitest';

import type { Prefix } from '../codec/types';
import type { DesiredRoute, PathOptions } from '../rib';
import { ReceivedRoutes } from '../testing/received-routes';

import { BgpSpeaker, SpeakerConfigError, type PeerConfig, type SpeakerEvents } from './index';
import { pollUntil } from '@isthmus/testing';

const ASN = 64511;
const ADVERTISER = '127.0.0.21';
const LISTENER = '127.0.0.22';
const fast = { initialSeconds: 0.05, maxSeconds: 0.2 };
const k8s: PathOptions = { communities: [((ASN << 16) | 1) >>> 0], largeCommunities: [[ASN, 1, 1]] };

function podBlocks(v4: number, v6: number): Map<Prefix, DesiredRoute> {
  const routes = new Map<Prefix, DesiredRoute>();
  for (let i = 0; i < v4; i++) {
    routes.set(`10.${i >> 10}.${(i >> 2) & 0xff}.${(i & 3) << 6}/26`, {
      nextHop: `198.51.100.${i % 50}`,
      attributes: k8s,
    });
  }
  for (let i = 0; i < v6; i++) {
    routes.set(`2001:db8:${(i + 1).toString(16)}::/64`, {
      nextHop: `2001:db8::${(i % 20) + 1}`,
      attributes: k8s,
    });
  }
  return routes;
}

const running: BgpSpeaker[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

async function listener(port = 0): Promise<{ speaker: BgpSpeaker; learned: ReceivedRoutes; port: number }> {
  const learned = new ReceivedRoutes();
  const speaker = new BgpSpeaker({
    localAsn: ASN,
    routerId: '198.51.100.2',
    listen: [{ host: LISTENER, port }],
    peers: [{ address: ADVERTISER, peerAsn: ASN, passive: true, localAddress: LISTENER, holdTimeSeconds: 9 }],
  });
  speaker.on('updateReceived', ({ update, errors }) => learned.apply(update, errors));
  speaker.on('down', () => learned.clear());
  await speaker.start();
  running.push(speaker);
  return { speaker, learned, port: speaker.listeningPorts[0]! };
}

function advertiser(port: number, extra: Partial<PeerConfig> = {}): BgpSpeaker {
  const speaker = new BgpSpeaker({
    localAsn: ASN,
    routerId: '198.51.100.1',
    peers: [
      {
        name: 'rr',
        address: LISTENER,
        port,
        peerAsn: ASN,
        localAddress: ADVERTISER,
        connectRetry: fast,
        gracefulRestart: { restartTimeSeconds: 120, restarting: false },
        ...extra,
      },
    ],
  });
  running.push(speaker);
  return speaker;
}

describe('BgpSpeaker, two of ours over loopback TCP', () => {
  it('sends the table with End-of-RIB, then deltas, and re-sends it after a reconnect', async () => {
    const rr = await listener();
    const us = advertiser(rr.port);
    const events: SpeakerEvents['stateChange'][] = [];
    us.on('stateChange', (e) => events.push(e));
    const routes = podBlocks(2_000, 200);
    us.setRoutes(routes);
    await us.start();

    await pollUntil('End-of-RIB for both families', () => rr.learned.endOfRib.length === 2, {
      intervalMs: 2,
    });
    expect(rr.learned.endOfRib.sort()).toEqual(['1/1', '2/1']);
    expect(rr.learned.routes.size).toBe(2_200);
    for (const [prefix, route] of routes) {
      expect(rr.learned.routes.get(prefix)?.nextHop).toBe(route.nextHop);
    }
    expect(rr.learned.routes.get('10.0.0.0/26')!.attributes).toMatchObject({
      origin: 'igp',
      asPath: [],
      localPref: 100,
      communities: k8s.communities,
      largeCommunities: k8s.largeCommunities,
    });
    expect(events.map((e) => e.to)).toEqual(['Connect', 'OpenSent', 'OpenConfirm', 'Established']);
    const status = us.peerStatus('rr');
    expect(status).toMatchObject({
      state: 'Established',
      advertised: { 1: 2_000, 2: 200 },
      session: { families: [1, 2], holdTimeSeconds: 9, keepaliveSeconds: 3, peerRouterId: '198.51.100.2' },
    });
    // 2,000 IPv4 routes in 50 attribute sets, 200 IPv6 in 20: one UPDATE each, plus 2 End-of-RIB.
    expect(status.messagesOut).toMatchObject({ open: 1, update: 72 });

    // deltas
    const updatesBefore = rr.learned.updates;
    us.upsertRoutes([['10.99.0.0/26', { nextHop: '203.0.113.7', attributes: k8s }]]);
    us.removeRoutes(['10.0.0.0/26', '2001:db8:1::/64']);
    await pollUntil(
      'the delta',
      () => rr.learned.routes.has('10.99.0.0/26') && !rr.learned.routes.has('10.0.0.0/26'),
      { intervalMs: 2 },
    );
    await pollUntil('the IPv6 withdrawal', () => !rr.learned.routes.has('2001:db8:1::/64'), {
      intervalMs: 2,
    });
    expect(rr.learned.updates - updatesBefore).toBe(3); // one announcement, one withdrawal per family
    expect(rr.learned.routes.get('10.99.0.0/26')?.nextHop).toBe('203.0.113.7');

    // the reflector goes away and comes back on the same port: the table comes back
    await rr.speaker.stop();
    await pollUntil('the session to drop', () => us.peerStatus('rr').state !== 'Established', {
      intervalMs: 2,
    });
    expect(us.peerStatus('rr').lastNotificationReceived).toMatchObject({ code: 6, subcode: 2 });
    const back = await listener(rr.port);
    await pollUntil('the table again', () => back.learned.endOfRib.length === 2, { intervalMs: 2 });
    expect(back.learned.routes.size).toBe(2_199);
    expect(back.learned.routes.has('10.0.0.0/26')).toBe(false);
  });

  it('sends each peer its own routes when it has some, and the shared ones otherwise', async () => {
    const rr = await listener();
    const us = advertiser(rr.port);
    us.setRoutes(podBlocks(10, 0));
    us.peerRoutes('rr').set(new Map([['10.50.0.0/26', { nextHop: '192.0.2.50' }]]));
    await us.start();
    await pollUntil('End-of-RIB', () => rr.learned.endOfRib.length === 2, { intervalMs: 2 });
    expect([...rr.learned.routes.keys()]).toEqual(['10.50.0.0/26']);
    us.useSharedRoutes('rr');
    await pollUntil(
      'the shared table',
      () => rr.learned.routes.size === 10 && !rr.learned.routes.has('10.50.0.0/26'),
      { intervalMs: 2 },
    );
  });

  it('announces eBGP routes with our ASN in the AS_PATH and no LOCAL_PREF', async () => {
    const learned = new ReceivedRoutes();
    const external = new BgpSpeaker({
      localAsn: 65010,
      routerId: '198.51.100.3',
      listen: [{ host: LISTENER, port: 0 }],
      peers: [{ address: ADVERTISER, peerAsn: ASN, passive: true }],
    });
    external.on('updateReceived', ({ update }) => learned.apply(update));
    await external.start();
    running.push(external);
    const us = advertiser(external.listeningPorts[0]!, { peerAsn: 65010 });
    us.setRoutes(new Map([['10.1.0.0/26', { nextHop: '192.0.2.10', attributes: { localPref: 500 } }]]));
    await us.start();
    await pollUntil('the route', () => learned.routes.size === 1, { intervalMs: 2 });
    expect(learned.routes.get('10.1.0.0/26')!.attributes).toEqual({
      origin: 'igp',
      asPath: [{ kind: 'sequence', asns: [ASN] }],
      nextHop: '192.0.2.10',
    });
  });

  it("speaks a peer's own local ASN (a 4-octet one here) instead of the speaker's", async () => {
    const learned = new ReceivedRoutes();
    const external = new BgpSpeaker({
      localAsn: 65010,
      routerId: '198.51.100.3',
      listen: [{ host: LISTENER, port: 0 }],
      peers: [{ address: ADVERTISER, peerAsn: 4_200_000_001, passive: true }],
    });
    external.on('updateReceived', ({ update }) => learned.apply(update));
    await external.start();
    running.push(external);
    const us = advertiser(external.listeningPorts[0]!, { peerAsn: 65010, localAsn: 4_200_000_001 });
    us.setRoutes(new Map([['10.1.0.0/26', { nextHop: '192.0.2.10' }]]));
    await us.start();
    await pollUntil('the route', () => learned.routes.size === 1, { intervalMs: 2 });
    expect(learned.routes.get('10.1.0.0/26')!.attributes.asPath).toEqual([
      { kind: 'sequence', asns: [4_200_000_001] },
    ]);
    expect(us.peerStatus('rr').session?.peerAsn).toBe(65010);
  });

  it('resets a session with Cease / Administrative Reset and sends the table again', async () => {
    const { speaker: rr, learned, port } = await listener();
    const received: number[] = [];
    rr.on('notificationReceived', ({ notification }) => received.push(notification.subcode));
    const us = advertiser(port);
    us.setRoutes(podBlocks(3, 1));
    await us.start();
    await pollUntil('the table', () => learned.routes.size === 4, { intervalMs: 2 });
    const established = us.peerStatus('rr').messagesIn.open;
    us.resetPeer('rr');
    await pollUntil('the NOTIFICATION at the peer', () => received.length === 1, { intervalMs: 2 });
    expect(received).toEqual([4]);
    await pollUntil(
      'a new session with the table',
      () =>
        us.peerStatus('rr').messagesIn.open > established &&
        us.peerStatus('rr').state === 'Established' &&
        learned.routes.size === 4,
      { intervalMs: 2 },
    );
  });

  it('does not establish with a peer presenting another BGP identifier than configured', async () => {
    const { port } = await listener();
    const us = advertiser(port, { peerRouterId: '198.51.100.99' });
    await us.start();
    await pollUntil('a NOTIFICATION sent', () => us.peerStatus('rr').lastNotificationSent);
    expect(us.peerStatus('rr').lastNotificationSent).toMatchObject({ code: 2, subcode: 3 });
    expect(us.peerStatus('rr').state).not.toBe('Established');
  });

  it('refuses a configuration with every problem listed', () => {
    expect(
      () =>
        new BgpSpeaker({
          localAsn: 0,
          routerId: '0.0.0.0',
          peers: [
            { address: 'rr.example', peerAsn: ASN },
            { address: '127.0.0.1', peerAsn: ASN, holdTimeSeconds: 2, families: [] },
            { address: '127.0.0.1', peerAsn: ASN },
          ],
        }),
    ).toThrow(SpeakerConfigError);
    expect(
      () =>
        new BgpSpeaker({
          localAsn: ASN,
          routerId: '198.51.100.1',
          peers: [{ address: '127.0.0.1', peerAsn: ASN, localAsn: 0, peerRouterId: '0.0.0.0' }],
        }),
    ).toThrow(
      'invalid BGP speaker configuration: peer 127.0.0.1: localAsn 0 is not an ASN; peer 127.0.0.1: peerRouterId "0.0.0.0" is not a non-zero dotted quad',
    );
    try {
      new BgpSpeaker({
        localAsn: 0,
        routerId: '0.0.0.0',
        peers: [{ address: '127.0.0.1', peerAsn: ASN, holdTimeSeconds: 1 }],
      });
    } catch (e) {
      expect((e as SpeakerConfigError).problems).toEqual([
        'localAsn 0 is not an ASN (1..4294967295)',
        'routerId "0.0.0.0" is not a non-zero dotted quad',
        'peer 127.0.0.1: holdTimeSeconds 1 must be 0 or 3..65535 (RFC 4271 §4.2)',
      ]);
    }
  });

  it('refuses bad routes without changing anything', () => {
    const us = advertiser(1790);
    us.setRoutes(podBlocks(3, 0));
    expect(() => us.upsertRoutes([['10.1.0.1/26', { nextHop: '192.0.2.1' }]])).toThrow(
      /not a canonical prefix/,
    );
    expect(() => us.setRoutes(new Map([['10.1.0.0/26', { nextHop: '2001:db8::1' }]]))).toThrow(
      /not an IPv4 address/,
    );
    expect(us.peerStatus('rr').advertised).toEqual({ 1: 0, 2: 0 });
  });
});
