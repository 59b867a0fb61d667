import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OPERATOR_TOKEN,
  ROUTER_ID,
  VIEWER_TOKEN,
  startRouting,
  type RoutingUnderTest,
} from '../testing/routing-harness';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('peers', () => {
  let routing: RoutingUnderTest;
  beforeAll(async () => {
    routing = await startRouting({ env: { ROUTING_LOCAL_ASN: '4200000001' } });
  });
  afterAll(async () => {
    await routing?.stop();
  });

  it('creates a peer with the defaults, and reads it back', async () => {
    const res = await routing.request('POST', '/v1/peers', { address: '127.0.0.2', peerAsn: 64511 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      address: '127.0.0.2',
      family: 4,
      port: 179,
      peerAsn: 64511,
      localAsn: 4_200_000_001, // ROUTING_LOCAL_ASN, stored with the peer
      routerId: null,
      holdTimeSeconds: 90,
      passive: false,
      gracefulRestartSeconds: 120,
      filter: null,
      name: null,
      description: '',
    });
    expect(res.body.id).toMatch(UUID);
    expect(res.body.createdAt).toBe(res.body.updatedAt);
    expect((await routing.request('GET', `/v1/peers/${res.body.id}`, undefined, VIEWER_TOKEN)).body).toEqual(
      res.body,
    );
    expect((await routing.request('DELETE', `/v1/peers/${res.body.id}`)).status).toBe(200);
  });

  it('keeps every field given: IPv6, a 4-octet ASN, a filter as a sorted set', async () => {
    const res = await routing.request('POST', '/v1/peers', {
      address: '::1',
      port: 1179,
      peerAsn: 4_200_000_000,
      localAsn: 65000,
      routerId: '127.0.0.3',
      holdTimeSeconds: 0,
      passive: true,
      gracefulRestartSeconds: 4095,
      filter: { clusters: ['k8s', 'dcos', 'k8s'], prefixes: ['2001:db8:1::/48', '192.168.0.0/17'] },
      name: 'rr-east',
      description: 'reflector of the east data centre',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      address: '::1',
      family: 6,
      port: 1179,
      peerAsn: 4_200_000_000,
      localAsn: 65000,
      routerId: '127.0.0.3',
      holdTimeSeconds: 0,
      passive: true,
      gracefulRestartSeconds: 4095,
      filter: { clusters: ['dcos', 'k8s'], prefixes: ['192.168.0.0/17', '2001:db8:1::/48'] },
      name: 'rr-east',
    });
    await routing.request('DELETE', `/v1/peers/${res.body.id}`);
  });

  it('changes a peer with PATCH, keeping its id; null clears the optional fields', async () => {
    const created = (
      await routing.request('POST', '/v1/peers', {
        address: '127.0.1.1',
        peerAsn: 64511,
        routerId: '127.0.1.1',
        filter: { clusters: ['k8s'] },
        name: 'rr1',
      })
    ).body;
    const moved = await routing.request('PATCH', `/v1/peers/${created.id}`, {
      address: '127.0.1.2',
      holdTimeSeconds: 30,
      filter: { prefixes: ['10.0.0.0/8'] },
    });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({
      id: created.id,
      address: '127.0.1.2',
      holdTimeSeconds: 30,
      routerId: '127.0.1.1',
      filter: { prefixes: ['10.0.0.0/8'] },
      name: 'rr1',
      createdAt: created.createdAt,
    });
    expect(moved.body.filter).not.toHaveProperty('clusters');
    const cleared = await routing.request('PATCH', `/v1/peers/${created.id}`, {
      routerId: null,
      filter: null,
      name: null,
    });
    expect(cleared.body).toMatchObject({
      id: created.id,
      address: '127.0.1.2',
      routerId: null,
      filter: null,
      name: null,
    });
    expect((await routing.request('GET', `/v1/peers/${created.id}`)).body).toEqual(cleared.body);
    const nothing = await routing.request('PATCH', `/v1/peers/${created.id}`, {});
    expect(nothing.status).toBe(400);
    expect(nothing.body.message).toMatch(/nothing to change: give at least one field/);
    await routing.request('DELETE', `/v1/peers/${created.id}`);
  });

  it('refuses a second peer at the same address and port, naming the first', async () => {
    const first = (
      await routing.request('POST', '/v1/peers', { address: '127.0.2.1', peerAsn: 64511, name: 'rr2' })
    ).body;
    const twice = await routing.request('POST', '/v1/peers', {
      address: '127.0.2.1',
      port: 179,
      peerAsn: 65000,
    });
    expect(twice.status).toBe(409);
    expect(twice.body.message).toBe(
      `address: a peer at 127.0.2.1 port 179 exists already: peer ${first.id} (rr2, 127.0.2.1 port 179); PATCH that peer instead`,
    );
    // Another port of the same address is another peer.
    const other = await routing.request('POST', '/v1/peers', {
      address: '127.0.2.1',
      port: 1179,
      peerAsn: 64511,
    });
    expect(other.status).toBe(201);
    // Moving a peer onto a taken address and port is refused the same way.
    const onto = await routing.request('PATCH', `/v1/peers/${other.body.id}`, { port: 179 });
    expect(onto.status).toBe(409);
    expect(onto.body.message).toMatch(/^address: a peer at 127\.0\.2\.1 port 179 exists already/);
    for (const id of [first.id, other.body.id]) await routing.request('DELETE', `/v1/peers/${id}`);
  });

  it("refuses a router id that is this replica's own or another peer's, naming the field", async () => {
    const own = await routing.request('POST', '/v1/peers', {
      address: '127.0.3.1',
      peerAsn: 64511,
      routerId: ROUTER_ID,
    });
    expect(own.status).toBe(409);
    expect(own.body.message).toMatch(
      new RegExp(
        `^routerId: ${ROUTER_ID.replace(/\./g, '\\.')} is this replica's own router id \\(ROUTING_ROUTER_ID\\)`,
      ),
    );
    const first = (
      await routing.request('POST', '/v1/peers', {
        address: '127.0.3.1',
        peerAsn: 64511,
        routerId: '127.0.3.1',
      })
    ).body;
    const clash = await routing.request('POST', '/v1/peers', {
      address: '127.0.3.2',
      peerAsn: 64511,
      routerId: '127.0.3.1',
    });
    expect(clash.status).toBe(409);
    expect(clash.body.message).toBe(
      `routerId: 127.0.3.1 is the router id of peer ${first.id} (127.0.3.1 port 179); two peers cannot present one BGP identifier`,
    );
    const second = (await routing.request('POST', '/v1/peers', { address: '127.0.3.2', peerAsn: 64511 }))
      .body;
    const patched = await routing.request('PATCH', `/v1/peers/${second.id}`, { routerId: '127.0.3.1' });
    expect(patched.status).toBe(409);
    expect(patched.body.message).toMatch(/^routerId: 127\.0\.3\.1 is the router id of peer /);
    expect((await routing.request('PATCH', `/v1/peers/${second.id}`, { routerId: ROUTER_ID })).status).toBe(
      409,
    );
    // Nothing was written by the refusals.
    expect((await routing.request('GET', `/v1/peers/${second.id}`)).body.routerId).toBeNull();
    for (const id of [first.id, second.id]) await routing.request('DELETE', `/v1/peers/${id}`);
  });

  it('lists peers by address, then port, in pages', async () => {
    const ids: string[] = [];
    for (const [address, port] of [
      ['::1', 179],
      ['127.0.10.2', 179],
      ['127.0.10.10', 179],
      ['127.0.10.2', 1179],
    ] as const) {
      ids.push((await routing.request('POST', '/v1/peers', { address, port, peerAsn: 64511 })).body.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await routing.request(
        'GET',
        `/v1/peers?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
        undefined,
        VIEWER_TOKEN,
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.items.map((p: { address: string; port: number }) => `${p.address} ${p.port}`));
      cursor = page.body.nextCursor;
    } while (cursor);
    // inet's order (by value, IPv4 first), not the text's ("127.0.10.10" < "127.0.10.2").
    expect(seen).toEqual(['127.0.10.2 179', '127.0.10.2 1179', '127.0.10.10 179', '::1 179']);
    for (const id of ids) await routing.request('DELETE', `/v1/peers/${id}`);
    expect((await routing.request('GET', '/v1/peers')).body).toEqual({ items: [], nextCursor: null });
  });

  it('deletes a peer once: then it is gone, 404 with its id', async () => {
    const peer = (await routing.request('POST', '/v1/peers', { address: '127.0.4.1', peerAsn: 64511 })).body;
    const deleted = await routing.request('DELETE', `/v1/peers/${peer.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual(peer);
    for (const [method, body] of [
      ['GET', undefined],
      ['DELETE', undefined],
      ['PATCH', { port: 1179 }],
    ] as const) {
      const gone = await routing.request(method, `/v1/peers/${peer.id}`, body);
      expect(gone.status, method).toBe(404);
      expect(gone.body.message).toBe(`peer ${peer.id} does not exist`);
    }
  });

  it('lets a viewer read and not write; needs a token for both', async () => {
    expect((await routing.request('GET', '/v1/peers', undefined, VIEWER_TOKEN)).status).toBe(200);
    const peer = (await routing.request('POST', '/v1/peers', { address: '127.0.5.1', peerAsn: 64511 })).body;
    for (const [method, path, body] of [
      ['POST', '/v1/peers', { address: '127.0.5.2', peerAsn: 64511 }],
      ['PATCH', `/v1/peers/${peer.id}`, { port: 1179 }],
      ['DELETE', `/v1/peers/${peer.id}`, undefined],
    ] as const) {
      const write = await routing.request(method, path, body, VIEWER_TOKEN);
      expect(write.status, `${method} ${path}`).toBe(403);
      expect(write.body.message).toMatch(/viewer role/);
    }
    expect((await routing.request('GET', `/v1/peers/${peer.id}`, undefined, VIEWER_TOKEN)).body).toEqual(
      peer,
    );
    const none = await routing.request('GET', '/v1/peers', undefined, null);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await routing.request('GET', '/v1/peers', undefined, `${OPERATOR_TOKEN}x`)).status).toBe(401);
    await routing.request('DELETE', `/v1/peers/${peer.id}`);
  });

  it('serves health, readiness, metrics and the OpenAPI document without a token', async () => {
    expect((await routing.request('GET', '/healthz', undefined, null)).body).toEqual({ status: 'ok' });
    expect((await routing.request('GET', '/readyz', undefined, null)).body).toEqual({
      status: 'ok',
      checks: { postgres: 'ok', peers: 'ok', clusterPolicies: 'ok', routes: 'ok' },
    });
    const peer = (
      await routing.request('POST', '/v1/peers', { address: '127.0.6.1', peerAsn: 64511, passive: true })
    ).body;
    const metrics = await routing.request('GET', '/metrics', undefined, null);
    expect(metrics.body).toContain(
      'isthmus_http_requests_total{method="POST",route="/v1/peers",status="201"}',
    );
    expect(metrics.body).toContain('isthmus_routing_configured_peers{mode="passive"} 1');
    expect(metrics.body).toContain('isthmus_routing_configured_peers{mode="active"} 0');
    const doc = await routing.request('GET', '/openapi.json', undefined, null);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths).sort()).toEqual([
      '/v1/cluster-policies',
      '/v1/cluster-policies/{cluster}',
      '/v1/peers',
      '/v1/peers/{id}',
      '/v1/peers/{id}/reset',
      '/v1/peers/{id}/routes',
      '/v1/peers/{id}/status',
      '/v1/routes',
    ]);
    const body = doc.body.paths['/v1/peers'].post.requestBody.content['application/json'];
    expect(Object.keys(body.schema.properties)).toEqual([
      'address',
      'port',
      'peerAsn',
      'localAsn',
      'routerId',
      'holdTimeSeconds',
      'passive',
      'gracefulRestartSeconds',
      'filter',
      'name',
      'description',
    ]);
    expect(body.schema.required).toEqual(['address', 'peerAsn']);
    await routing.request('DELETE', `/v1/peers/${peer.id}`);
  });
});
