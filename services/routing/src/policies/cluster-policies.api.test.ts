import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VIEWER_TOKEN, startRouting, type RoutingUnderTest } from '../testing/routing-harness';
import { ClusterPolicyStore } from './cluster-policy-store';

describe('cluster routing policies', () => {
  let routing: RoutingUnderTest;
  let store: ClusterPolicyStore;
  beforeAll(async () => {
    routing = await startRouting();
    store = routing.app.get(ClusterPolicyStore);
  });
  afterAll(async () => {
    await routing?.stop();
  });

  it('gives every cluster it sees a tag once, from the sequence, and keeps it', async () => {
    const k8s = await store.policyFor('k8s');
    const dcos = await store.policyFor('dcos');
    expect(k8s).toEqual({ advertise: true, tag: 1 });
    expect(dcos).toEqual({ advertise: true, tag: 2 });
    expect(await store.policyFor('k8s')).toEqual(k8s);
    const view = await routing.request('GET', '/v1/cluster-policies/k8s', undefined, VIEWER_TOKEN);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({
      cluster: 'k8s',
      tag: 1,
      tagSource: 'assigned',
      advertise: true,
      communities: null,
      largeCommunities: null,
      // src/core/communities.ts: <local ASN>:<tag> and <local ASN>:1:<tag>, local ASN 64511.
      effective: { communities: ['64511:1'], largeCommunities: ['64511:1:1'] },
    });
  });

  it('gives one tag when replicas see a new cluster at once', async () => {
    const tags = await Promise.all(Array.from({ length: 8 }, () => store.policyFor('marathon')));
    expect(new Set(tags.map((p) => p.tag)).size).toBe(1);
  });

  it('replaces a policy with PUT: communities as sets, the tag kept when not given', async () => {
    const res = await routing.request('PUT', '/v1/cluster-policies/k8s', {
      advertise: true,
      communities: ['65000:20', '64511:100', '65000:20'],
      largeCommunities: ['64511:9:9', '4200000000:0:4294967295'],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      cluster: 'k8s',
      tag: 1,
      tagSource: 'assigned',
      communities: ['64511:100', '65000:20'],
      largeCommunities: ['64511:9:9', '4200000000:0:4294967295'],
      effective: {
        communities: ['64511:100', '65000:20'],
        largeCommunities: ['64511:9:9', '4200000000:0:4294967295'],
      },
    });
    expect(await store.policyFor('k8s')).toEqual({
      advertise: true,
      tag: 1,
      communities: [
        [64511, 100],
        [65000, 20],
      ],
      largeCommunities: [
        [64511, 9, 9],
        [4_200_000_000, 0, 4_294_967_295],
      ],
    });
    // Empty lists: no communities at all (not the defaults).
    const none = await routing.request('PUT', '/v1/cluster-policies/k8s', {
      communities: [],
      largeCommunities: [],
    });
    expect(none.body).toMatchObject({
      communities: [],
      largeCommunities: [],
      effective: { communities: [], largeCommunities: [] },
    });
    // Opting out.
    const out = await routing.request('PUT', '/v1/cluster-policies/k8s', { advertise: false });
    expect(out.body).toMatchObject({ advertise: false, communities: null, tag: 1 });
    expect(await store.policyFor('k8s')).toEqual({ advertise: false, tag: 1 });
  });

  it("sets a tag the operator chooses, and never gives one cluster's tag to another", async () => {
    const set = await routing.request('PUT', '/v1/cluster-policies/edge', { tag: 10 });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      cluster: 'edge',
      tag: 10,
      tagSource: 'operator',
      effective: { communities: ['64511:10'] },
    });
    const taken = await routing.request('PUT', '/v1/cluster-policies/edge2', { tag: 1 });
    expect(taken.status).toBe(409);
    expect(taken.body.message).toMatch(/^tag: 1 is the tag of cluster k8s; two clusters cannot share a tag/);
    expect((await routing.request('GET', '/v1/cluster-policies/edge2')).status).toBe(404);
    // The sequence (at 3: marathon) steps over tags that operators set: 4, then 6, not 5.
    expect((await routing.request('PUT', '/v1/cluster-policies/pinned', { tag: 5 })).status).toBe(200);
    expect((await store.policyFor('later1')).tag).toBe(4);
    expect((await store.policyFor('later2')).tag).toBe(6);
    // A large tag: no standard community can hold it, the large community can (communities.ts).
    const large = await routing.request('PUT', '/v1/cluster-policies/pinned', { tag: 70000 });
    expect(large.body.effective).toEqual({ communities: [], largeCommunities: ['64511:1:70000'] });
  });

  it('returns a cluster to the default with DELETE; it keeps its tag', async () => {
    await routing.request('PUT', '/v1/cluster-policies/dcos', { advertise: false, communities: ['1:1'] });
    const reset = await routing.request('DELETE', '/v1/cluster-policies/dcos');
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({
      cluster: 'dcos',
      tag: 2,
      advertise: true,
      communities: null,
      largeCommunities: null,
    });
    expect(await store.policyFor('dcos')).toEqual({ advertise: true, tag: 2 });
    const unknown = await routing.request('DELETE', '/v1/cluster-policies/never-seen');
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toMatch(
      /cluster never-seen has no routing policy: routing has not seen it yet/,
    );
  });

  it('lists policies by cluster, in pages', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await routing.request(
        'GET',
        `/v1/cluster-policies?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        undefined,
        VIEWER_TOKEN,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((p: { cluster: string }) => p.cluster));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['dcos', 'edge', 'k8s', 'later1', 'later2', 'marathon', 'pinned']);
  });

  it.each([
    [
      'a community part above 65535',
      { communities: ['65536:1'] },
      /communities\[0\]: "65536:1" is not a community: write asn:value, each a decimal number from 0 to 65535 \(RFC 1997\)/,
    ],
    ['a community with one part', { communities: ['64511'] }, /communities\[0\]: "64511" is not a community/],
    [
      'a community with leading zeros',
      { communities: ['64511:007'] },
      /communities\[0\]: "64511:007" is not a community/,
    ],
    ['a negative community', { communities: ['-1:1'] }, /communities\[0\]: /],
    ['a community as a number', { communities: [64511] }, /communities\[0\]: .*expected string/],
    [
      'a large community beyond 32 bits',
      { largeCommunities: ['1:2:4294967296'] },
      /largeCommunities\[0\]: "1:2:4294967296" is not a large community: write global:local1:local2, each a decimal number from 0 to 4294967295 \(RFC 8092\)/,
    ],
    [
      'a large community with two parts',
      { largeCommunities: ['1:2'] },
      /largeCommunities\[0\]: "1:2" is not a large community/,
    ],
    ['tag 0', { tag: 0 }, /tag: must be a whole number from 1 to 4294967295/],
    ['a tag beyond 32 bits', { tag: 4294967296 }, /tag: must be a whole number from 1 to 4294967295/],
    ['a tag as a string', { tag: '7' }, /tag: .*expected number/],
    ['advertise as a string', { advertise: 'no' }, /advertise: .*expected boolean/],
    ['an unknown field', { communties: ['1:1'] }, /unknown field "communties"/],
  ])('refuses a policy with %s', async (_what, body, message) => {
    const res = await routing.request('PUT', '/v1/cluster-policies/k8s', body);
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(message);
  });

  it('refuses a cluster id that is not a DNS label', async () => {
    const res = await routing.request('PUT', '/v1/cluster-policies/K8S_1', {});
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/cluster id is invalid: must be a DNS label/);
  });

  it('lets a viewer read and not write', async () => {
    expect((await routing.request('GET', '/v1/cluster-policies', undefined, VIEWER_TOKEN)).status).toBe(200);
    for (const method of ['PUT', 'DELETE']) {
      const res = await routing.request(
        method,
        '/v1/cluster-policies/k8s',
        method === 'PUT' ? {} : undefined,
        VIEWER_TOKEN,
      );
      expect(res.status, method).toBe(403);
    }
    expect((await routing.request('GET', '/v1/cluster-policies', undefined, null)).status).toBe(401);
  });
});
