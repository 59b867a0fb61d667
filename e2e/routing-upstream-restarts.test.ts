import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, pollUntil, type TestDatabase } from '@isthmus/testing';
import { registryEnv, request as registryRequest } from '../services/registry/src/testing/registry-harness';
import { spawnRegistry, type RegistryProcess } from '../services/registry/src/testing/registry-process';
import { ipamEnv, request as ipamRequest } from '../services/ipam/src/testing/ipam-harness';
import { spawnIpam, type IpamProcess } from '../services/ipam/src/testing/ipam-process';
import {
  REFLECTOR_ASN,
  startReflector,
  type TestReflector,
} from '../services/routing/src/testing/reflectors';
import { startRouting, type RoutingUnderTest } from '../services/routing/src/testing/routing-harness';

/**
 * Issue 11: the registry and IPAM restarting under the routing service withdraw nothing that
 * should stay. Real registry and ipam processes, the routing service, BIRD as route reflector:
 * a static cluster's blocks, valid in IPAM's plan, reach BIRD; then the registry is stopped and
 * started, and IPAM is SIGKILLed and started, while BIRD's table is watched for any gap.
 */
const REFLECTOR_ADDRESS = '127.0.0.91';
const ROUTING_ADDRESS = '127.0.0.92';

describe('routing while the registry and IPAM restart', () => {
  let reflector: TestReflector;
  let registryDb: TestDatabase;
  let ipamDb: TestDatabase;
  let routingDb: TestDatabase;
  let registry: RegistryProcess;
  let ipam: IpamProcess;
  let routing: RoutingUnderTest;
  let renv: Record<string, string>;
  let ienv: Record<string, string>;

  beforeAll(async () => {
    reflector = await startReflector('BIRD', REFLECTOR_ADDRESS, [ROUTING_ADDRESS]);
    registryDb = await createTestDatabase('rt_up_registry');
    ipamDb = await createTestDatabase('rt_up_ipam');
    routingDb = await createTestDatabase('rt_up_routing');
    renv = registryEnv(registryDb);
    const streams = {
      ISTHMUS_SUBJECT_ROOT: renv.ISTHMUS_SUBJECT_ROOT!,
      ISTHMUS_REGISTRY_STREAM: renv.ISTHMUS_REGISTRY_STREAM!,
      ISTHMUS_IPAM_STREAM: `${renv.ISTHMUS_REGISTRY_STREAM!}_IPAM`,
    };
    ienv = ipamEnv(ipamDb, streams);
    registry = await spawnRegistry(renv);
    ipam = await spawnIpam(ienv);
    routing = await startRouting({
      db: routingDb,
      env: { ...streams, ROUTING_SOURCE_ADDRESS: ROUTING_ADDRESS, ROUTING_ROUTER_ID: ROUTING_ADDRESS },
    });
  }, 180_000);

  afterAll(async () => {
    await routing?.stop();
    await ipam?.kill();
    await registry?.kill();
    await reflector?.destroy();
    for (const db of [routingDb, ipamDb, registryDb]) await db?.drop();
  });

  it('keeps every route at the reflector through a registry restart and an IPAM crash', async () => {
    const r = (method: string, path: string, body?: unknown) =>
      registryRequest(registry.url, method, path, body);
    const i = (method: string, path: string, body?: unknown) => ipamRequest(ipam.url, method, path, body);
    expect((await i('POST', '/v1/pools', { name: 'pods', cidr: '10.0.0.0/8' })).status).toBe(201);
    expect(
      (
        await i('POST', '/v1/pools/pods/allocations', {
          cluster: 'east',
          purpose: 'pods',
          cidr: '10.1.0.0/16',
        })
      ).status,
    ).toBe(201);
    expect((await r('POST', '/v1/clusters', { id: 'east', kind: 'static' })).status).toBe(201);
    const nodes = Array.from({ length: 4 }, (_, n) => ({
      name: `node-${n}`,
      addresses: [`192.0.2.${n + 1}`],
    }));
    const blocks = Array.from({ length: 12 }, (_, b) => ({ cidr: `10.1.${b}.0/24`, node: `node-${b % 4}` }));
    expect(
      (await r('POST', '/v1/clusters/east/changes', { upsert: { nodes, podBlocks: blocks } })).status,
    ).toBe(200);
    const peer = await routing.request('POST', '/v1/peers', {
      address: REFLECTOR_ADDRESS,
      port: reflector.port,
      peerAsn: REFLECTOR_ASN,
    });
    expect(peer.status).toBe(201);

    const expected = Object.fromEntries(
      blocks.map((b) => [b.cidr, `192.0.2.${Number(b.node.slice(5)) + 1}`]),
    );
    const hops = async () =>
      Object.fromEntries((await reflector.routes('ipv4')).map((x) => [x.prefix, x.nextHop]));
    await pollUntil(
      'every valid block at the reflector',
      async () => JSON.stringify(sortedObject(await hops())) === JSON.stringify(sortedObject(expected)),
      {
        timeoutMs: 60_000,
        describeLast: () => 'see the routing service /v1/routes',
      },
    ).catch(async (e: unknown) => {
      const table = (await routing.request('GET', '/v1/routes')).body;
      throw new Error(`${(e as Error).message}; routes: ${JSON.stringify(table).slice(0, 2000)}`);
    });

    const gaps: string[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const now = await hops();
        const wrong = Object.keys(expected).filter((p) => now[p] !== expected[p]);
        if (wrong.length > 0) gaps.push(`${wrong.length} wrong, e.g. ${wrong[0]} → ${now[wrong[0]!]}`);
        await new Promise((res) => setTimeout(res, 20));
      }
    })();
    try {
      await registry.stop(); // orderly
      registry = await spawnRegistry(renv);
      await ipam.kill(); // a crash
      ipam = await spawnIpam(ienv);
      await pollUntil(
        'ipam ready again',
        async () => (await ipamRequest(ipam.url, 'GET', '/readyz')).status === 200,
        {
          timeoutMs: 60_000,
        },
      );
      await pollUntil(
        'the registry ready again',
        async () => (await registryRequest(registry.url, 'GET', '/readyz')).status === 200,
        {
          timeoutMs: 60_000,
        },
      );
      // A change after the restarts still arrives: a new block.
      expect(
        (
          await registryRequest(registry.url, 'POST', '/v1/clusters/east/changes', {
            upsert: { podBlocks: [{ cidr: '10.1.100.0/24', node: 'node-0' }] },
          })
        ).status,
      ).toBe(200);
      await pollUntil(
        'the new block at the reflector',
        async () => (await hops())['10.1.100.0/24'] === '192.0.2.1',
        {
          timeoutMs: 60_000,
        },
      );
    } finally {
      watching = false;
      await watcher;
    }
    expect(gaps).toEqual([]);
  });
});

function sortedObject(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
