import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, pollUntil, type TestDatabase } from '@isthmus/testing';
import { RoutingConfig } from '../config/config';
import { REFLECTOR_ASN, startReflector, type TestReflector } from '../testing/reflectors';
import { ensureUpstreamStreams, request, routingEnv } from '../testing/routing-harness';
import { spawnRouting, type RoutingProcess } from '../testing/routing-process';
import { Upstream } from '../testing/upstream';

/**
 * HA (DESIGN.md, "Routing semantics": replicas are all active): two routing replicas, each with
 * its own router id and source address, peer with the same reflector and advertise the same
 * table with the same next hops. One is SIGKILLed: the reflector keeps every route, through the
 * other, and never lacks one. BIRD is the reflector; it keeps one path per client.
 */
const REFLECTOR_ADDRESS = '127.0.0.81';
const REPLICAS = ['127.0.0.82', '127.0.0.83'];

describe('two routing replicas at one reflector', () => {
  let reflector: TestReflector;
  let db: TestDatabase;
  let upstream: Upstream;
  const replicas: RoutingProcess[] = [];
  let envs: Record<string, string>[] = [];

  beforeAll(async () => {
    reflector = await startReflector('BIRD', REFLECTOR_ADDRESS, REPLICAS);
    db = await createTestDatabase('routing_ha');
    const shared = routingEnv(db);
    envs = REPLICAS.map((address, i) => ({
      ...shared,
      ROUTING_ROUTER_ID: address,
      ROUTING_SOURCE_ADDRESS: address,
      FEED_DURABLE_NAME: `ha-replica-${i}-${process.pid}`,
    }));
    const config = RoutingConfig.fromEnv(envs[0]!);
    await ensureUpstreamStreams(config);
    upstream = Upstream.open(config.natsUrl, config.subjectRoot);
    for (const env of envs) replicas.push(await spawnRouting(env, { startTimeoutMs: 60_000 }));
  }, 180_000);

  afterAll(async () => {
    await upstream?.close();
    for (const r of replicas) await r.kill();
    await reflector?.destroy();
    await db?.drop();
  });

  it('keeps every route at the reflector through the other replica when one is SIGKILLed', async () => {
    const peer = await request(replicas[0]!.url, 'POST', '/v1/peers', {
      address: REFLECTOR_ADDRESS,
      port: reflector.port,
      peerAsn: REFLECTOR_ASN,
    });
    expect(peer.status).toBe(201);
    const u = upstream;
    const blocks = Array.from({ length: 20 }, (_, i) => ({
      cidr: `192.168.${i}.0/26`,
      node: `w${i % 4}`,
      hop: `192.0.2.${10 + (i % 4)}`,
    }));
    await u.registry(
      u.cluster('k8s', 'synced', 'kubernetes'),
      ...blocks.map((b) => u.block('k8s', b.cidr, b.node, b.hop)),
    );
    await u.ipam(...blocks.map((b) => u.verdict('k8s', b.cidr, b.node, 'valid')));

    // Both sessions up, every prefix from both replicas, with the same next hop.
    for (const address of REPLICAS) await reflector.waitForEstablished(address);
    const paths = async () => {
      const byPrefix = new Map<string, Set<string>>();
      for (const r of await reflector.routes('ipv4')) {
        if (!byPrefix.has(r.prefix)) byPrefix.set(r.prefix, new Set());
        byPrefix.get(r.prefix)!.add(`${r.fromProtocol} via ${r.nextHop}`);
      }
      return byPrefix;
    };
    await pollUntil(
      'two paths per prefix',
      async () => {
        const p = await paths();
        return blocks.every((b) => p.get(b.cidr)?.size === 2);
      },
      { timeoutMs: 30_000 },
    );
    for (const [prefix, via] of await paths()) {
      const hops = new Set([...via].map((v) => v.split(' via ')[1]));
      expect(hops, prefix).toEqual(new Set([blocks.find((b) => b.cidr === prefix)!.hop]));
    }

    // Watch: no prefix may be missing at any moment from here on.
    const gaps: string[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const p = await paths();
        const missing = blocks.filter((b) => !p.has(b.cidr));
        if (missing.length > 0) gaps.push(`${missing.length} missing, e.g. ${missing[0]!.cidr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      await replicas[0]!.kill();
      // The killed replica's session goes with its process (its socket closed by the kernel).
      // Graceful restart may keep its paths as stale for a while: the survivor's are there anyway.
      await pollUntil(
        "the reflector to see the killed replica's session down",
        async () => !(await reflector.isEstablished(REPLICAS[0]!)),
        { timeoutMs: 30_000 },
      );
      await new Promise((r) => setTimeout(r, 2000)); // keep watching a while after the loss
    } finally {
      watching = false;
      await watcher;
    }
    expect(gaps).toEqual([]);
    const p = await paths();
    for (const b of blocks)
      expect([...p.get(b.cidr)!].some((v) => v === `c_127_0_0_83 via ${b.hop}`)).toBe(true);
    // The survivor still serves, and still advertises the whole table.
    const status = (await request(replicas[1]!.url, 'GET', `/v1/peers/${peer.body.id}/status`)).body;
    expect(status).toMatchObject({
      replica: REPLICAS[1],
      session: { state: 'Established', advertised: { ipv4: 20 } },
    });
  });
});
