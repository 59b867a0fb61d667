import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil, startPostgresServer, type PostgresServerHandle } from '@isthmus/testing';
import { startRouting, type RoutingUnderTest } from '../testing/routing-harness';
import { PeersFeed } from './peers-feed';

/**
 * PostgreSQL restarts under two replicas: requests get a 503, never a 500; the feeds keep what
 * they read; once the database is back, the replicas LISTEN again and a peer created through
 * one reaches the other (the periodic re-read is an hour: only the new LISTEN can bring it).
 */
describe('the peer feed across a PostgreSQL restart', () => {
  let pg: PostgresServerHandle;
  let a: RoutingUnderTest;
  let b: RoutingUnderTest;

  beforeAll(async () => {
    pg = await startPostgresServer();
    const db = {
      url: pg.url.replace(/\/postgres$/, '/routing'),
      name: 'routing',
      drop: async () => undefined,
    };
    const env = { ROUTING_CONFIG_RESYNC_MS: '3600000' };
    a = await startRouting({ db, env });
    b = await startRouting({ db, env: { ...env, ROUTING_ROUTER_ID: '127.255.0.2' } });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await pg?.destroy();
  });

  it.each([
    ['stopped', 'stop', 1],
    ['killed (crash recovery)', 'kill', 2],
  ] as const)('carries on after the database was %s', async (_how, how, n) => {
    const before = await a.request('POST', '/v1/peers', { address: `127.0.${n}.1`, peerAsn: 64511 });
    expect(before.status).toBe(201);
    const feedB = b.app.get(PeersFeed);
    await pollUntil('the first peer at replica b', () => feedB.peers.some((p) => p.id === before.body.id));
    const count = feedB.peers.length;

    await pg[how]();
    const down = await a.request('POST', '/v1/peers', { address: `127.1.${n}.1`, peerAsn: 64511 });
    expect(down.status).toBe(503);
    expect(down.body.message).toBe(
      'the routing database is unavailable; retry shortly (nothing was changed)',
    );
    const ready = await b.request('GET', '/readyz', undefined, null);
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toEqual({
      postgres: 'unavailable',
      peers: 'ok',
      clusterPolicies: 'ok',
      routes: 'ok',
    });
    // What was read is kept.
    expect(feedB.peers).toHaveLength(count);

    await pg.start();
    const seen = new Set<number>();
    const after = await pollUntil(
      'a peer to be created again',
      async () => {
        const res = await a.request('POST', '/v1/peers', { address: `127.2.${n}.1`, peerAsn: 64511 });
        seen.add(res.status);
        return res.status === 201 && res;
      },
      { intervalMs: 50 },
    );
    expect([...seen].filter((s) => s !== 201 && s !== 503)).toEqual([]);
    await pollUntil('the new peer at replica b', () => feedB.peers.some((p) => p.id === after.body.id));
    expect(feedB.peers).toHaveLength(count + 1);
  });
});
