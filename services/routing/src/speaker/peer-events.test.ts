import { afterEach, describe, expect, it } from 'vitest';
import { BgpSpeaker } from '@isthmus/bgp';
import { BusConnection } from '@isthmus/bus';
import { PeerStateChange, routingSubjects } from '@isthmus/contracts';
import { pollUntil, startNatsServer, uniqueName, type NatsServerHandle } from '@isthmus/testing';
import { DesiredTableState } from '../core';
import { PeerEventPublisher } from './peer-events';
import { RouteAdvertiser } from './route-advertiser';

const ASN = 64511;
const US = '127.0.0.41';
const RR = '127.0.0.42';
const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** Our speaker passively waiting for the replica, as a reflector would. */
async function reflector() {
  const rr = new BgpSpeaker({
    localAsn: ASN,
    routerId: '198.51.100.42',
    listen: [{ host: RR, port: 0 }],
    peers: [{ address: US, peerAsn: ASN, passive: true, localAddress: RR }],
  });
  await rr.start();
  stops.push(() => rr.stop());
  return rr.listeningPorts[0]!;
}

describe('PeerEventPublisher', () => {
  it('publishes every state change of a session, in order, also those made while NATS was down', async () => {
    const server: NatsServerHandle = await startNatsServer();
    stops.push(() => server.stop());
    const root = uniqueName('rtev').toLowerCase();
    const stream = uniqueName('RT_EVENTS');
    const bus = new BusConnection(server.url, 'peer-events-test', undefined, { reconnectTimeWaitMs: 100 });
    stops.push(() => bus.close());
    const events = new PeerEventPublisher(bus, {
      subjectRoot: root,
      stream,
      streamReplicas: 1,
      replica: '198.51.100.41',
    });
    stops.push(() => events.stop());
    const table = new DesiredTableState(
      { localAsn: ASN, requireVerdict: true, staleAfterMs: 1000 },
      Date.now(),
    );
    const advertiser = new RouteAdvertiser(
      {
        routerId: '198.51.100.41',
        localAsn: ASN,
        sourceAddress: US,
        connectRetry: { initialSeconds: 0.05, maxSeconds: 0.2 },
      },
      () => table.routes,
    );
    stops.push(() => advertiser.stop({ graceful: false }));
    advertiser.on('stateChange', (c) =>
      events.push({
        peer: c.peer,
        address: RR,
        from: c.from,
        to: c.to,
        reason: c.reason,
        at: new Date().toISOString(),
        advertised: { ipv4: 0, ipv6: 0 },
      }),
    );
    events.start();
    const port = await reflector();
    advertiser.setPeers([
      {
        id: 'rr-1',
        address: RR,
        port,
        peerAsn: ASN,
        localAsn: ASN,
        holdTimeSeconds: 9,
        passive: false,
        gracefulRestartSeconds: 0,
      },
    ]);
    await advertiser.start();
    await pollUntil('Established', () => advertiser.peerStatus('rr-1')!.state === 'Established');

    const jsm = await bus.jetstreamManager();
    const storedChanges = async () => {
      const info = await jsm.streams.info(stream);
      const out: PeerStateChange[] = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
        const m = await jsm.direct.getMessage(stream, { seq });
        if (m) {
          expect(m.subject).toBe(routingSubjects(root).peer('rr-1'));
          out.push(PeerStateChange.parse(m.json()));
        }
      }
      return out;
    };
    await pollUntil('the Established change stored', async () =>
      (await storedChanges()).some((c) => c.to === 'Established'),
    );
    const before = (await storedChanges()).length;

    // NATS away: the reset's changes wait in memory, then arrive in order.
    await server.stop();
    advertiser.reset('rr-1');
    await pollUntil('Established again', () => advertiser.peerStatus('rr-1')!.state === 'Established');
    await server.start();
    await pollUntil(
      'the reset stored',
      async () => (await storedChanges()).slice(before).some((c) => c.to === 'Established'),
      {
        timeoutMs: 30_000,
      },
    );
    const all = await storedChanges();
    // Each change starts where the last one ended: none lost, none twice, none out of order.
    for (let i = 1; i < all.length; i++) expect(all[i]!.from).toBe(all[i - 1]!.to);
    expect(all[0]).toMatchObject({ from: 'Idle', replica: '198.51.100.41', peer: 'rr-1', address: RR });
    expect(events.dropped).toBe(0);
  });
});
