import { afterEach, describe, expect, it } from 'vitest';
import { BgpSpeaker } from '@isthmus/bgp';
// A test helper of libs/bgp (not part of its public surface): what a speaker learned.
import { ReceivedRoutes } from '../../../../libs/bgp/src/testing/received-routes';
import { pollUntil } from '@isthmus/testing';
import { defaultPolicy, DesiredTableState, type BlockView, type RoutingSettings } from '../core';
import { RouteAdvertiser, type RoutingPeer } from './route-advertiser';

/**
 * The advertiser against two reflectors made of our own speaker (passive, recording what they
 * learn) over loopback TCP; the real reflectors (BIRD, gobgpd, FRR) are the service's tests.
 */
const ASN = 64511;
const US = '127.0.0.31';
const RR1 = '127.0.0.32';
const RR2 = '127.0.0.33';
const settings: RoutingSettings = { localAsn: ASN, requireVerdict: false, staleAfterMs: 60_000 };
const fast = { initialSeconds: 0.05, maxSeconds: 0.2 };

const running: { stop(o?: { graceful: boolean }): Promise<void> }[] = [];
afterEach(async () => {
  for (const s of running.splice(0).reverse()) await s.stop({ graceful: false });
});

async function reflector(host: string) {
  const learned = new ReceivedRoutes();
  const rr = new BgpSpeaker({
    localAsn: ASN,
    routerId: host === RR1 ? '198.51.100.32' : '198.51.100.33',
    listen: [{ host, port: 0 }],
    peers: [{ address: US, peerAsn: ASN, passive: true, localAddress: host }],
  });
  rr.on('updateReceived', ({ update, errors }) => learned.apply(update, errors));
  rr.on('down', () => learned.clear());
  await rr.start();
  running.push(rr);
  const hops = () => Object.fromEntries([...learned.routes].map(([p, r]) => [p, r.nextHop]));
  return { rr, learned, port: rr.listeningPorts[0]!, hops };
}

function world() {
  const table = new DesiredTableState(settings, Date.now());
  table.setCluster('k8s', { id: 'k8s', status: 'synced', policy: defaultPolicy(1) });
  table.setCluster('dcos', { id: 'dcos', status: 'synced', policy: defaultPolicy(2) });
  const block = (cluster: string, cidr: string, nextHop: string, revision: number): BlockView => ({
    cluster,
    cidr,
    node: `n-${nextHop}`,
    nextHop,
    source: 'static',
    revision,
  });
  table.setBlock('k8s', '192.168.0.0/26', block('k8s', '192.168.0.0/26', '192.0.2.11', 1));
  table.setBlock('k8s', 'fd00:1::/64', block('k8s', 'fd00:1::/64', '2001:db8::11', 2));
  table.setBlock('dcos', '192.168.128.0/24', block('dcos', '192.168.128.0/24', '192.0.2.21', 3));
  table.takeChanges();
  return { table, block };
}

const peer = (id: string, address: string, port: number, extra: Partial<RoutingPeer> = {}): RoutingPeer => ({
  id,
  address,
  port,
  peerAsn: ASN,
  localAsn: ASN,
  holdTimeSeconds: 9,
  passive: false,
  gracefulRestartSeconds: 120,
  ...extra,
});

describe('RouteAdvertiser', () => {
  it('sends each reflector the table (or what its filter passes), then the changes', async () => {
    const one = await reflector(RR1);
    const two = await reflector(RR2);
    const { table, block } = world();
    const advertiser = new RouteAdvertiser(
      { routerId: '198.51.100.31', localAsn: ASN, sourceAddress: US, connectRetry: fast },
      () => table.routes,
    );
    running.push(advertiser);
    advertiser.setPeers([
      peer('rr1', RR1, one.port),
      peer('rr2', RR2, two.port, { filter: { clusters: ['dcos'] } }),
    ]);
    await advertiser.start();
    await pollUntil('rr1 has the whole table', () => one.learned.routes.size === 3);
    await pollUntil('rr2 has the dcos route', () => two.learned.routes.size === 1);
    expect(one.hops()).toEqual({
      '192.168.0.0/26': '192.0.2.11',
      'fd00:1::/64': '2001:db8::11',
      '192.168.128.0/24': '192.0.2.21',
    });
    expect(one.learned.routes.get('192.168.0.0/26')!.attributes).toMatchObject({
      communities: [((ASN << 16) | 1) >>> 0],
      largeCommunities: [[ASN, 1, 1]],
    });
    expect(two.hops()).toEqual({ '192.168.128.0/24': '192.0.2.21' });

    // A block moved, one added in dcos, one removed.
    table.setBlock('k8s', '192.168.0.0/26', block('k8s', '192.168.0.0/26', '192.0.2.12', 1));
    table.setBlock('dcos', '192.168.129.0/24', block('dcos', '192.168.129.0/24', '192.0.2.22', 4));
    table.setBlock('k8s', 'fd00:1::/64', undefined);
    advertiser.apply(table.takeChanges());
    await pollUntil(
      'rr1 to follow',
      () =>
        one.hops()['192.168.0.0/26'] === '192.0.2.12' &&
        one.learned.routes.size === 3 &&
        !one.learned.routes.has('fd00:1::/64'),
      { describeLast: () => JSON.stringify(one.hops()) },
    );
    await pollUntil('rr2 to get the new dcos route', () => two.learned.routes.size === 2);
    expect(
      advertiser
        .advertisedTo('rr2')
        .map((r) => r.prefix)
        .sort(),
    ).toEqual(['192.168.128.0/24', '192.168.129.0/24']);

    // The filter changed: no new session, only what rr2 is sent.
    const opens = advertiser.peerStatus('rr2')!.messagesIn.open;
    advertiser.setPeers([
      peer('rr1', RR1, one.port),
      peer('rr2', RR2, two.port, { filter: { clusters: ['k8s'] } }),
    ]);
    await pollUntil(
      'rr2 to hold the k8s route only',
      () => JSON.stringify(two.hops()) === JSON.stringify({ '192.168.0.0/26': '192.0.2.12' }),
      {
        describeLast: () => JSON.stringify(two.hops()),
      },
    );
    expect(advertiser.peerStatus('rr2')!.messagesIn.open).toBe(opens);

    // rr2 removed from the configuration: its session ends and it holds nothing of ours.
    advertiser.setPeers([peer('rr1', RR1, one.port)]);
    await pollUntil('rr2 to drop our routes', () => two.learned.routes.size === 0);
    expect(advertiser.peerStatus('rr2')).toBeUndefined();
    expect(one.learned.routes.size).toBe(3);
  });

  it('sends nothing before start, and resets a session on request', async () => {
    const one = await reflector(RR1);
    const { table } = world();
    const advertiser = new RouteAdvertiser(
      { routerId: '198.51.100.31', localAsn: ASN, sourceAddress: US, connectRetry: fast },
      () => table.routes,
    );
    running.push(advertiser);
    advertiser.setPeers([peer('rr1', RR1, one.port)]);
    advertiser.apply(table.takeChanges());
    expect(advertiser.peerStatus('rr1')!.state).toBe('Idle'); // not even connecting
    await advertiser.start();
    await pollUntil('the table', () => one.learned.routes.size === 3);
    expect(advertiser.reset('nope')).toBe(false);
    expect(advertiser.reset('rr1')).toBe(true);
    await pollUntil(
      'the table after the reset',
      () => advertiser.peerStatus('rr1')!.state === 'Established' && one.learned.routes.size === 3,
    );
  });
});
