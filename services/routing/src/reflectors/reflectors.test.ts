import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil, type PeerRoute } from '@isthmus/testing';
import { REFLECTOR_ASN, REFLECTOR_KINDS, startReflector, type TestReflector } from '../testing/reflectors';
import { startRouting, type RoutingUnderTest } from '../testing/routing-harness';
import { Upstream } from '../testing/upstream';

/**
 * Seed 002 through the routing service, with each real route reflector (ASN 64511): a
 * Kubernetes cluster's Calico /26s and a static cluster's /24s, registered as the registry and
 * IPAM publish them, reach the reflector with their nodes as next hops and their clusters' communities;
 * what IPAM keeps out never does. Next hops are documentation addresses (RFC 5737, RFC 3849).
 */
const ASN = REFLECTOR_ASN;
const ADDRESSES = {
  BIRD: ['127.0.0.61', '127.0.0.62'],
  gobgpd: ['127.0.0.65', '127.0.0.66'],
  FRR: ['127.0.0.69', '127.0.0.70'],
};

describe.each(REFLECTOR_KINDS)('routing service with %s as route reflector', (kind) => {
  const [REFLECTOR_ADDRESS, ROUTING_ADDRESS] = ADDRESSES[kind] as [string, string];
  let reflector: TestReflector;
  let routing: RoutingUnderTest;
  let upstream: Upstream;
  let peerId: string;

  const table = async () => {
    const routes = [...(await reflector.routes('ipv4')), ...(await reflector.routes('ipv6'))];
    return Object.fromEntries(routes.map((r: PeerRoute) => [r.prefix, r]));
  };
  const hops = async () => Object.fromEntries(Object.values(await table()).map((r) => [r.prefix, r.nextHop]));
  const holds = (expected: Record<string, string>) =>
    pollUntil(
      `${kind} to hold the expected table`,
      async () => JSON.stringify(sorted(await hops())) === JSON.stringify(sorted(expected)),
      { timeoutMs: 30_000 },
    ).catch(async (e: unknown) => {
      throw new Error(
        `${(e as Error).message}; ${kind} has ${JSON.stringify(sorted(await hops()))}, expected ${JSON.stringify(sorted(expected))}`,
      );
    });

  beforeAll(async () => {
    reflector = await startReflector(kind, REFLECTOR_ADDRESS, [ROUTING_ADDRESS]);
    routing = await startRouting({
      env: { ROUTING_SOURCE_ADDRESS: ROUTING_ADDRESS, ROUTING_ROUTER_ID: ROUTING_ADDRESS },
    });
    upstream = Upstream.open(routing.config.natsUrl, routing.config.subjectRoot);
    const created = await routing.request('POST', '/v1/peers', {
      address: REFLECTOR_ADDRESS,
      port: reflector.port,
      peerAsn: ASN,
      name: kind.toLowerCase(),
    });
    expect(created.status).toBe(201);
    peerId = created.body.id;
  }, 120_000);

  afterAll(async () => {
    await upstream?.close();
    await routing?.stop();
    await reflector?.destroy();
  });

  it("gets both clusters' valid blocks with their nodes as next hops and their communities, and nothing IPAM keeps out", async () => {
    await reflector.waitForEstablished(ROUTING_ADDRESS);
    const u = upstream;
    await u.registry(
      u.cluster('k8s', 'synced', 'kubernetes'),
      u.cluster('dcos'),
      u.block('k8s', '192.168.0.0/26', 'w1', '192.0.2.11', 'calico-blockaffinity'),
      u.block('k8s', '192.168.0.64/26', 'w2', '192.0.2.12', 'calico-blockaffinity'),
      u.block('k8s', 'fd00:1::/64', 'w1', '2001:db8::11', 'node-podcidr'),
      u.block('dcos', '192.168.128.0/24', 'a1', '198.51.100.21'),
      u.block('dcos', '192.168.0.0/25', 'a2', '198.51.100.22'), // overlaps k8s's blocks
    );
    await u.ipam(
      u.verdict('k8s', '192.168.0.0/26', 'w1', 'valid'),
      u.verdict('k8s', '192.168.0.64/26', 'w2', 'valid'),
      u.verdict('k8s', 'fd00:1::/64', 'w1', 'valid'),
      u.verdict('dcos', '192.168.128.0/24', 'a1', 'valid'),
      u.verdict('dcos', '192.168.0.0/25', 'a2', 'conflict'),
    );
    await holds({
      '192.168.0.0/26': '192.0.2.11',
      '192.168.0.64/26': '192.0.2.12',
      '192.168.128.0/24': '198.51.100.21',
      'fd00:1::/64': '2001:db8::11',
    });
    const routes = await table();
    const tags = (await routing.request('GET', '/v1/cluster-policies')).body.items as {
      cluster: string;
      tag: number;
    }[];
    const tagOf = (c: string) => tags.find((t) => t.cluster === c)!.tag;
    expect(routes['192.168.0.0/26']).toMatchObject({
      communities: [`${ASN}:${tagOf('k8s')}`],
      largeCommunities: [`${ASN}:1:${tagOf('k8s')}`],
      localPref: 100,
      origin: 'igp',
    });
    expect(routes['192.168.128.0/24']!.largeCommunities).toEqual([`${ASN}:1:${tagOf('dcos')}`]);
    expect(routes['fd00:1::/64']!.largeCommunities).toEqual([`${ASN}:1:${tagOf('k8s')}`]);

    // The API says the same, and why the conflicting block is out.
    const excluded = await routing.request('GET', '/v1/routes?advertised=false');
    expect(excluded.body.items).toEqual([
      {
        cluster: 'dcos',
        prefix: '192.168.0.0/25',
        node: 'a2',
        advertised: false,
        reason: 'conflict',
        detail: null,
      },
    ]);
    const status = (await routing.request('GET', `/v1/peers/${peerId}/status`)).body;
    expect(status.session).toMatchObject({ state: 'Established', advertised: { ipv4: 3, ipv6: 1 } });
    const sent = (await routing.request('GET', `/v1/peers/${peerId}/routes`)).body.items.map(
      (r: { prefix: string }) => r.prefix,
    );
    expect(sent.sort()).toEqual(['192.168.0.0/26', '192.168.0.64/26', '192.168.128.0/24', 'fd00:1::/64']);
  });

  it('withdraws a removed block, sends a conflict once cleared, follows a node change', async () => {
    const u = upstream;
    await u.registry(
      u.blockGone('k8s', '192.168.0.64/26'),
      u.block('k8s', '192.168.0.0/26', 'w3', '192.0.2.13', 'calico-blockaffinity'),
    );
    await u.ipam(u.verdict('dcos', '192.168.0.0/25', 'a2', 'valid'));
    await holds({
      '192.168.0.0/26': '192.0.2.13',
      '192.168.0.0/25': '198.51.100.22',
      '192.168.128.0/24': '198.51.100.21',
      'fd00:1::/64': '2001:db8::11',
    });
  });

  it('keeps every route at the reflector across a restart of the routing service (graceful restart), then End-of-RIB', async () => {
    const expected = await hops();
    const gaps: string[] = [];
    let sawStale = false;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const now = await table();
        const missing = Object.keys(expected).filter((p) => !(p in now));
        if (missing.length > 0) gaps.push(`${missing.length} missing, e.g. ${missing[0]}`);
        if (Object.values(now).some((r) => r.stale)) sawStale = true;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      // Shutdown: no NOTIFICATION, the reflector keeps our routes as stale (RFC 4724 §4.2).
      const db = routing.db;
      const env = routing.env;
      await routing.app.close();
      await pollUntil('the reflector to keep our routes as stale', () => sawStale, { timeoutMs: 20_000 });
      routing = await startRouting({ db, env });
      await pollUntil(
        'the reflector to take the End-of-RIB (no stale route left)',
        async () => {
          const now = await table();
          return (
            Object.keys(now).length === Object.keys(expected).length &&
            Object.values(now).every((r) => !r.stale)
          );
        },
        { timeoutMs: 30_000 },
      );
    } finally {
      watching = false;
      await watcher;
    }
    expect(gaps).toEqual([]);
    expect(await hops()).toEqual(expected);
  });

  it('sends the whole table again after the reflector restarted', async () => {
    const expected = await hops();
    await reflector.restart();
    await reflector.waitForEstablished(ROUTING_ADDRESS);
    await holds(expected);
  });
});

function sorted(o: Record<string, string>): [string, string][] {
  return Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
