import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN, VIEWER_TOKEN, startIpam, type IpamUnderTest } from '../testing/ipam-harness';

describe('pools', () => {
  let ipam: IpamUnderTest;
  beforeAll(async () => {
    ipam = await startIpam();
  });
  afterAll(async () => {
    await ipam?.stop();
  });

  it('creates, lists, reads and deletes pools of both families', async () => {
    const v4 = await ipam.request('POST', '/v1/pools', { name: 'seed-002', cidr: '192.168.0.0/16' });
    expect(v4.status).toBe(201);
    expect(v4.body).toMatchObject({ name: 'seed-002', cidr: '192.168.0.0/16', family: 4, description: '' });
    const v6 = await ipam.request('POST', '/v1/pools', {
      name: 'v6',
      cidr: '2001:db8::/32',
      description: 'documentation prefix',
    });
    expect(v6.body).toMatchObject({ cidr: '2001:db8::/32', family: 6, description: 'documentation prefix' });

    const page1 = await ipam.request('GET', '/v1/pools?limit=1');
    expect(page1.body.items.map((p: { name: string }) => p.name)).toEqual(['seed-002']);
    const page2 = await ipam.request('GET', `/v1/pools?limit=1&cursor=${page1.body.nextCursor}`);
    expect(page2.body).toMatchObject({ items: [{ name: 'v6' }], nextCursor: null });
    expect((await ipam.request('GET', '/v1/pools/v6')).body).toEqual(v6.body);

    expect((await ipam.request('DELETE', '/v1/pools/v6')).status).toBe(200);
    const gone = await ipam.request('GET', '/v1/pools/v6');
    expect(gone.status).toBe(404);
    expect(gone.body.message).toBe('pool v6 does not exist');
    expect((await ipam.request('DELETE', '/v1/pools/v6')).status).toBe(404);
  });

  it('refuses a pool that overlaps another, naming it, and a name taken twice', async () => {
    await ipam.request('POST', '/v1/pools', { name: 'ten', cidr: '10.0.0.0/8' });
    for (const [cidr, holder] of [
      ['10.1.0.0/16', 'pool ten (10.0.0.0/8)'],
      ['0.0.0.0/0', 'pool ten (10.0.0.0/8), pool seed-002 (192.168.0.0/16)'],
    ]) {
      const res = await ipam.request('POST', '/v1/pools', { name: 'other', cidr });
      expect(res.status).toBe(409);
      expect(res.body.message).toBe(`${cidr} overlaps ${holder}`);
    }
    const twice = await ipam.request('POST', '/v1/pools', { name: 'ten', cidr: '172.16.0.0/12' });
    expect(twice.status).toBe(409);
    expect(twice.body.message).toMatch(/pool ten already exists/);
    // Another family never overlaps: ::/0 holds no IPv4 address.
    expect((await ipam.request('POST', '/v1/pools', { name: 'all-v6', cidr: '::/0' })).status).toBe(201);
    await ipam.request('DELETE', '/v1/pools/all-v6');
  });

  // An empty body is no body, with or without content-type: application/json (issue 10).
  it.each([
    ['/v1/pools', /\{"name", "cidr", "description"\?\}/],
    ['/v1/pools/seed-002/allocations', /\{"cluster", "purpose", "cidr"\?, "prefixLength"\?\}/],
  ])(
    'refuses POST %s without a body, whatever the content type, saying what it looks like',
    async (path, shape) => {
      for (const answer of [
        await ipam.request('POST', path, ''), // content-type: application/json, empty body
        await ipam.request('POST', path), // neither
      ]) {
        expect(answer.status).toBe(400);
        expect(answer.body.message).toMatch(/^request body is required: send a JSON object /);
        expect(answer.body.message).toMatch(shape);
      }
    },
  );

  it('lets a viewer read and not write; needs a token for both', async () => {
    expect((await ipam.request('GET', '/v1/pools', undefined, VIEWER_TOKEN)).status).toBe(200);
    const write = await ipam.request('POST', '/v1/pools', { name: 'x', cidr: '172.16.0.0/12' }, VIEWER_TOKEN);
    expect(write.status).toBe(403);
    expect(write.body.message).toMatch(/viewer role/);
    const none = await ipam.request('GET', '/v1/pools', undefined, null);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await ipam.request('GET', '/v1/pools', undefined, `${OPERATOR_TOKEN}x`)).status).toBe(401);
  });

  it('serves health, readiness, metrics and the OpenAPI document without a token', async () => {
    expect((await ipam.request('GET', '/healthz', undefined, null)).body).toEqual({ status: 'ok' });
    expect((await ipam.request('GET', '/readyz', undefined, null)).body).toEqual({
      status: 'ok',
      checks: { postgres: 'ok', registryFeed: 'ok' },
    });
    await ipam.request('POST', '/v1/pools/seed-002/allocations', {
      cluster: 'k8s',
      purpose: 'pods',
      prefixLength: 17,
    });
    const metrics = await ipam.request('GET', '/metrics', undefined, null);
    expect(metrics.body).toContain(
      'isthmus_http_requests_total{method="POST",route="/v1/pools/:pool/allocations",status="201"} 1',
    );
    expect(metrics.body).toContain(
      'isthmus_ipam_allocation_requests_total{mode="next-free",result="allocated"} 1',
    );
    const doc = await ipam.request('GET', '/openapi.json', undefined, null);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths).sort()).toEqual([
      '/v1/allocations',
      '/v1/allocations/{id}',
      '/v1/clusters/{cluster}/pod-blocks/{cidr}/verdict',
      '/v1/conflicts',
      '/v1/conflicts/{id}',
      '/v1/lookup/{address}',
      '/v1/pools',
      '/v1/pools/{pool}',
      '/v1/pools/{pool}/allocations',
      '/v1/pools/{pool}/utilization',
      '/v1/verdicts',
    ]);
    const body = doc.body.paths['/v1/pools/{pool}/allocations'].post.requestBody.content['application/json'];
    expect(Object.keys(body.schema.properties)).toEqual(['cluster', 'purpose', 'cidr', 'prefixLength']);
  });
});
