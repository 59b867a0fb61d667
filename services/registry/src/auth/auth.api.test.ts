import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OPERATOR_TOKEN,
  VIEWER_TOKEN,
  request,
  startRegistry,
  type RegistryUnderTest,
} from '../testing/registry-harness';

describe('access control', () => {
  let r: RegistryUnderTest;
  beforeAll(async () => {
    r = await startRegistry();
  });
  afterAll(async () => {
    await r?.stop();
  });

  it('answers 401 without a token, or with a wrong one, and says how to authenticate', async () => {
    const none = await fetch(`${r.url}/v1/clusters`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(((await none.json()) as { message: string }).message).toMatch(/Authorization: Bearer/);
    const wrong = await r.request('GET', '/v1/clusters', undefined, 'not-the-token-at-all');
    expect(wrong.status).toBe(401);
    expect((await r.request('POST', '/v1/clusters', { id: 'a', kind: 'static' }, null)).status).toBe(401);
  });

  it('lets a viewer read and not write', async () => {
    expect((await r.request('GET', '/v1/clusters', undefined, VIEWER_TOKEN)).status).toBe(200);
    const write = await r.request('POST', '/v1/clusters', { id: 'a', kind: 'static' }, VIEWER_TOKEN);
    expect(write.status).toBe(403);
    expect(write.body.message).toMatch(/viewer role/);
    expect((await r.request('DELETE', '/v1/clusters/a', undefined, VIEWER_TOKEN)).status).toBe(403);
  });

  it('lets an operator read and write', async () => {
    expect(
      (await r.request('POST', '/v1/clusters', { id: 'a', kind: 'static' }, OPERATOR_TOKEN)).status,
    ).toBe(201);
    expect((await r.request('GET', '/v1/clusters/a', undefined, OPERATOR_TOKEN)).status).toBe(200);
  });

  it('serves health, readiness, metrics and the OpenAPI document without a token', async () => {
    expect((await r.request('GET', '/healthz', undefined, null)).body).toEqual({ status: 'ok' });
    expect((await r.request('GET', '/readyz', undefined, null)).body).toMatchObject({
      status: 'ok',
      checks: { postgres: 'ok', nats: 'ok' },
    });
    const metrics = await r.request('GET', '/metrics', undefined, null);
    expect(metrics.body).toContain(
      'isthmus_http_requests_total{method="POST",route="/v1/clusters",status="201"} 1',
    );
    const doc = await r.request('GET', '/openapi.json', undefined, null);
    expect(doc.body.openapi).toMatch(/^3\./);
    for (const path of [
      '/v1/clusters',
      '/v1/clusters/{id}',
      '/v1/clusters/{cluster}/changes',
      '/v1/services',
      '/v1/pod-blocks',
    ]) {
      expect(Object.keys(doc.body.paths)).toContain(path);
    }
    expect(doc.body.paths['/v1/clusters'].post.requestBody.content['application/json'].schema).toBeDefined();
  });
});

describe('access control switched off for local development', () => {
  let r: RegistryUnderTest;
  beforeAll(async () => {
    r = await startRegistry({ env: { ISTHMUS_AUTH_DISABLED: 'true', ISTHMUS_OPERATOR_TOKENS: '' } });
  });
  afterAll(async () => {
    await r?.stop();
  });

  it('takes requests without a token', async () => {
    expect((await request(r.url, 'POST', '/v1/clusters', { id: 'dev', kind: 'static' }, null)).status).toBe(
      201,
    );
  });
});
