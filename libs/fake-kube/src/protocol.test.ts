// The wire protocol, checked with plain HTTP requests: resourceVersions, watch streams,
// bookmarks, timeouts, 410 Gone, pagination, discovery, Tables and errors.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { FakeKubeApi } from './index';

import { getJson, node, nodeRef, openWatch } from './testing/helpers';
import { pollUntil } from '@isthmus/testing';

const service = (namespace: string, name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { namespace, name, labels },
  spec: { clusterIPs: ['10.96.0.10'], ports: [{ name: 'http', port: 80 }] },
});

describe('FakeKubeApi protocol', () => {
  let api: FakeKubeApi;
  beforeEach(async () => {
    api = await FakeKubeApi.start({ bookmarkIntervalMs: 50 });
  });
  afterEach(async () => {
    await api.stop();
  });

  it('keeps one resourceVersion counter for every change of every type', async () => {
    expect(api.resourceVersion).toBe('1');
    const a = api.apply(node('node-a'));
    const svc = api.apply(service('shop', 'web'));
    expect([a.metadata.resourceVersion, svc.metadata.resourceVersion]).toEqual(['2', '3']);
    expect(a.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(a.metadata.generation).toBeUndefined(); // core v1 types have none
    // A replace that changes nothing is a no-op, as in the real API.
    expect(api.apply(node('node-a')).metadata.resourceVersion).toBe('2');
    const relabelled = api.apply(node('node-a', { zone: 'z' }));
    expect(relabelled.metadata).toMatchObject({
      resourceVersion: '4',
      uid: a.metadata.uid,
      creationTimestamp: a.metadata.creationTimestamp,
    });

    const list = await getJson(api, '/api/v1/nodes');
    expect(list.body).toMatchObject({
      kind: 'NodeList',
      apiVersion: 'v1',
      metadata: { resourceVersion: '4' },
    });
    // Built-in list items have no kind/apiVersion, as in the real API (kubernetes/kubernetes#98925).
    expect(list.body.items).toEqual([{ metadata: relabelled.metadata, spec: {} }]);
    const one = await getJson(api, '/api/v1/namespaces/shop/services/web');
    expect(one.body).toEqual(svc);
    expect(api.delete(nodeRef('node-a'))?.metadata.resourceVersion).toBe('5'); // the deletion's revision
    expect(api.delete(nodeRef('node-a'))).toBeUndefined();
  });

  it('streams every change after the watch resourceVersion, then live changes', async () => {
    api.apply(service('shop', 'web'));
    const from = api.resourceVersion;
    api.apply(service('shop', 'db'));
    api.apply(service('other', 'x'));
    api.delete({ apiVersion: 'v1', kind: 'Service', namespace: 'shop', name: 'web' });
    const watch = await openWatch(api, `/api/v1/namespaces/shop/services?watch=true&resourceVersion=${from}`);
    expect(watch.status).toBe(200);
    api.apply(service('shop', 'db', { tier: 'data' }));
    await pollUntil('three events', () => watch.events.length === 3);
    expect(
      watch.events.map((e) => `${e.type} ${e.object.metadata.name} ${e.object.metadata.resourceVersion}`),
    ).toEqual(['ADDED db 3', 'DELETED web 5', 'MODIFIED db 6']);
    expect(watch.events[0]?.object).toMatchObject({ kind: 'Service', apiVersion: 'v1' });
    watch.close();
  });

  it('starts a watch without resourceVersion (or "0") with the current objects as ADDED', async () => {
    api.apply(node('node-a'));
    api.apply(node('node-b'));
    for (const query of ['watch=true', 'watch=1&resourceVersion=0']) {
      const watch = await openWatch(api, `/api/v1/nodes?${query}`);
      await pollUntil('two events', () => watch.events.length === 2);
      expect(watch.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual([
        'ADDED node-a',
        'ADDED node-b',
      ]);
      watch.close();
    }
    // sendInitialEvents (streaming lists) adds a BOOKMARK marking the end of the initial events.
    const streaming = await openWatch(
      api,
      '/api/v1/nodes?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan',
    );
    await pollUntil('the initial-events-end bookmark', () => streaming.events.length >= 3);
    expect(streaming.events[2]).toEqual({
      type: 'BOOKMARK',
      object: {
        kind: 'Node',
        apiVersion: 'v1',
        metadata: { resourceVersion: '3', annotations: { 'k8s.io/initial-events-end': 'true' } },
      },
    });
    streaming.close();
  });

  it('sends BOOKMARKs carrying only the resourceVersion when asked to', async () => {
    const watch = await openWatch(api, `/api/v1/nodes?watch=true&resourceVersion=1&allowWatchBookmarks=true`);
    api.apply(node('node-a'));
    await pollUntil('a bookmark after the change', () => watch.events.some((e) => e.type === 'BOOKMARK'));
    expect(watch.events[0]?.type).toBe('ADDED');
    expect(watch.events.find((e) => e.type === 'BOOKMARK')?.object).toEqual({
      kind: 'Node',
      apiVersion: 'v1',
      metadata: { resourceVersion: '2' },
    });
    watch.close();
  });

  it('ends a watch cleanly after timeoutSeconds; no bookmarks unless asked for', async () => {
    api.apply(node('node-a'));
    const plain = await openWatch(api, `/api/v1/nodes?watch=true&resourceVersion=1&timeoutSeconds=1`);
    expect(api.stats().openWatches).toEqual({ nodes: 1 });
    expect(await plain.ended).toBe('end');
    // A second went by, with bookmarks due every 50 ms had they been asked for.
    expect(plain.events.map((e) => e.type)).toEqual(['ADDED']);
    await pollUntil('the watch to be gone', () => api.stats().openWatchCount === 0);
  });

  it('answers a compacted resourceVersion with 410: HTTP for lists, an ERROR event for watches', async () => {
    api.apply(node('node-a'));
    const old = api.resourceVersion;
    api.apply(node('node-b'));
    // Before compaction a list at an exact past revision is rebuilt from history.
    const past = await getJson(api, `/api/v1/nodes?resourceVersion=${old}&resourceVersionMatch=Exact`);
    expect(past.body.items.map((n: { metadata: { name: string } }) => n.metadata.name)).toEqual(['node-a']);
    expect(past.body.metadata.resourceVersion).toBe(old);

    api.compact();
    expect(api.stats().compactedResourceVersion).toBe('3');
    const list = await getJson(api, `/api/v1/nodes?resourceVersion=${old}&resourceVersionMatch=Exact`);
    expect(list.status).toBe(410);
    expect(list.body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      code: 410,
      reason: 'Expired',
      message: 'too old resource version: 2 (3)',
    });
    // NotOlderThan (the default for a non-zero resourceVersion) is served from the latest state.
    expect((await getJson(api, `/api/v1/nodes?resourceVersion=${old}`)).status).toBe(200);

    const watch = await openWatch(api, `/api/v1/nodes?watch=true&resourceVersion=${old}`);
    expect(watch.status).toBe(200);
    expect(await watch.ended).toBe('end');
    expect(watch.events).toEqual([
      {
        type: 'ERROR',
        object: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: 'too old resource version: 2 (3)',
          reason: 'Expired',
          code: 410,
        },
      },
    ]);
    // From the compaction point on, watches work.
    const fresh = await openWatch(api, `/api/v1/nodes?watch=true&resourceVersion=3`);
    api.apply(node('node-c'));
    await pollUntil('node-c', () => fresh.events.length === 1);
    fresh.close();
  });

  it('pages with limit/continue over one consistent snapshot; a compacted token is 410', async () => {
    for (const ns of ['a', 'b', 'c']) for (const name of ['x', 'y']) api.apply(service(ns, name));
    const first = await getJson(api, '/api/v1/services?limit=4');
    expect(first.body.items.map((s: any) => `${s.metadata.namespace}/${s.metadata.name}`)).toEqual([
      'a/x',
      'a/y',
      'b/x',
      'b/y',
    ]);
    expect(first.body.metadata.remainingItemCount).toBe(2);
    api.delete({ apiVersion: 'v1', kind: 'Service', namespace: 'c', name: 'x' });
    api.apply(service('c', 'z'));
    const token = encodeURIComponent(first.body.metadata.continue);
    const second = await getJson(api, `/api/v1/services?limit=4&continue=${token}`);
    expect(second.body.items.map((s: any) => `${s.metadata.namespace}/${s.metadata.name}`)).toEqual([
      'c/x',
      'c/y',
    ]);
    expect(second.body.metadata).toEqual({ resourceVersion: first.body.metadata.resourceVersion });

    expect((await getJson(api, `/api/v1/services?continue=${token}&resourceVersion=1`)).status).toBe(400);
    expect((await getJson(api, '/api/v1/services?continue=nonsense')).status).toBe(400);
    api.compact();
    const expired = await getJson(api, `/api/v1/services?limit=4&continue=${token}`);
    expect(expired.status).toBe(410);
    expect(expired.body.reason).toBe('Expired');
  });

  it('filters lists by label and field selectors', async () => {
    api.apply(service('a', 'web', { app: 'web', tier: 'front' }));
    api.apply(service('a', 'db', { app: 'db' }));
    api.apply(service('b', 'web', { app: 'web' }));
    const names = async (query: string) =>
      (await getJson(api, `/api/v1/services?${query}`)).body.items.map(
        (s: any) => `${s.metadata.namespace}/${s.metadata.name}`,
      );
    expect(await names('labelSelector=app%3Dweb')).toEqual(['a/web', 'b/web']);
    expect(await names('labelSelector=app%20in%20(web,db),!tier')).toEqual(['a/db', 'b/web']);
    expect(await names('labelSelector=tier')).toEqual(['a/web']);
    expect(await names('labelSelector=app!%3Dweb')).toEqual(['a/db']);
    expect(await names('fieldSelector=metadata.namespace%3Db')).toEqual(['b/web']);
    expect(await names('fieldSelector=metadata.name!%3Dweb')).toEqual(['a/db']);
    const bad = await getJson(api, '/api/v1/services?fieldSelector=spec.clusterIP%3D1');
    expect(bad.body).toMatchObject({
      code: 400,
      reason: 'BadRequest',
      message: 'field label not supported: spec.clusterIP',
    });
  });

  it('serves discovery and /version', async () => {
    expect((await getJson(api, '/api')).body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const core = (await getJson(api, '/api/v1')).body;
    expect(core).toMatchObject({ kind: 'APIResourceList', groupVersion: 'v1' });
    expect(core.resources.map((r: any) => `${r.name}:${r.kind}:${r.namespaced}`)).toEqual([
      'namespaces:Namespace:false',
      'nodes:Node:false',
      'pods:Pod:true',
      'services:Service:true',
    ]);
    expect(core.resources[3]).toEqual({
      name: 'services',
      singularName: 'service',
      namespaced: true,
      kind: 'Service',
      verbs: ['get', 'list', 'watch'],
      shortNames: ['svc'],
      categories: ['all'],
    });
    const groups = (await getJson(api, '/apis')).body;
    expect(groups.kind).toBe('APIGroupList');
    expect(groups.groups.map((g: any) => g.preferredVersion.groupVersion)).toEqual([
      'apiextensions.k8s.io/v1',
      'discovery.k8s.io/v1',
    ]);
    expect((await getJson(api, '/apis/discovery.k8s.io/v1')).body.resources[0]).toMatchObject({
      name: 'endpointslices',
      namespaced: true,
    });
    expect((await getJson(api, '/version')).body).toMatchObject({
      major: '1',
      minor: '30',
      gitVersion: 'v1.30.0',
    });
  });

  it('answers errors with Status objects', async () => {
    const missing = await getJson(api, '/api/v1/nodes/nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'nodes "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', group: '', kind: 'nodes' },
      code: 404,
    });
    expect(
      (await getJson(api, '/apis/discovery.k8s.io/v1/namespaces/x/endpointslices/nope')).body.message,
    ).toBe('endpointslices.discovery.k8s.io "nope" not found');
    for (const path of [
      '/api/v1/widgets',
      '/api/v2/nodes',
      '/apis/example.com/v1/things',
      '/api/v1/namespaces/x/nodes',
      '/api/v1/nodes/a/status',
    ])
      expect((await getJson(api, path)).body, path).toMatchObject({ code: 404, reason: 'NotFound' });
    const wrongToken = await getJson(api, '/api/v1/nodes', { authorization: 'Bearer nope' });
    expect(wrongToken.body).toMatchObject({ code: 401, reason: 'Unauthorized' });
    expect((await getJson(api, '/api/v1/nodes', { authorization: 'Bearer fake-kube-token' })).status).toBe(
      200,
    );
    const post = await fetch(`${api.url}/api/v1/nodes`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect((await getJson(api, '/api/v1/nodes?resourceVersion=abc')).status).toBe(400);
    expect((await getJson(api, '/api/v1/nodes?resourceVersion=999')).body).toMatchObject({
      code: 504,
      reason: 'Timeout',
    });
  });

  it('refuses anonymous requests when anonymous is false', async () => {
    const strict = await FakeKubeApi.start({ anonymous: false, token: 'sesame' });
    try {
      expect((await getJson(strict, '/api/v1/nodes')).status).toBe(401);
      expect((await getJson(strict, '/api/v1/nodes', { authorization: 'Bearer sesame' })).status).toBe(200);
      expect((await getJson(strict, '/version')).status).toBe(200);
      expect(strict.kubeconfig()).toContain('token: "sesame"');
    } finally {
      await strict.stop();
    }
  });

  it('renders Tables for server-side printing, in lists and watches', async () => {
    api.apply(service('shop', 'web'));
    const accept =
      'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
    const table = (await getJson(api, '/api/v1/services', { accept })).body;
    expect(table).toMatchObject({
      kind: 'Table',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { resourceVersion: '2' },
    });
    expect(table.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Age']);
    expect(table.rows).toHaveLength(1);
    expect(table.rows[0].cells[0]).toBe('web');
    expect(table.rows[0].cells[1]).toMatch(/^\d+s$/);
    expect(table.rows[0].object).toMatchObject({
      kind: 'PartialObjectMetadata',
      metadata: { namespace: 'shop', name: 'web' },
    });
    const watch = await openWatch(api, '/api/v1/services?watch=true&resourceVersion=1', { accept });
    await pollUntil('the row', () => watch.events.length === 1);
    expect(watch.events[0]).toMatchObject({
      type: 'ADDED',
      object: { kind: 'Table', rows: [{ cells: ['web', expect.any(String)] }] },
    });
    watch.close();
  });

  it('closes open watches on demand: end, cut or expire', async () => {
    const ended = await openWatch(api, '/api/v1/nodes?watch=true&resourceVersion=1');
    const cut = await openWatch(api, '/apis/discovery.k8s.io/v1/endpointslices?watch=true&resourceVersion=1');
    const expired = await openWatch(api, '/api/v1/namespaces/a/services?watch=true&resourceVersion=1');
    expect(api.stats().openWatches).toEqual({ nodes: 1, endpointslices: 1, services: 1 });
    expect(api.closeWatches('end', { resource: 'nodes' })).toBe(1);
    expect(api.closeWatches('cut', { resource: 'endpointslices' })).toBe(1);
    expect(api.closeWatches('expire', { namespace: 'a' })).toBe(1);
    expect(await ended.ended).toBe('end');
    expect(await cut.ended).toBeInstanceOf(Error);
    expect(await expired.ended).toBe('end');
    expect(expired.events).toEqual([
      { type: 'ERROR', object: expect.objectContaining({ code: 410, reason: 'Expired' }) },
    ]);
    expect(api.stats().openWatchCount).toBe(0);
    expect(api.stats().requests).toMatchObject({
      'watch nodes': 1,
      'watch endpointslices': 1,
      'watch services': 1,
    });
  });

  it('keeps objects, resourceVersions and history across restart(), on the same port', async () => {
    api.apply(node('node-a'));
    const port = api.port;
    await api.restart();
    expect(api.port).toBe(port);
    api.apply(node('node-b'));
    const watch = await openWatch(api, '/api/v1/nodes?watch=true&resourceVersion=1');
    await pollUntil('both', () => watch.events.length === 2);
    expect(watch.events.map((e) => `${e.object.metadata.name}@${e.object.metadata.resourceVersion}`)).toEqual(
      ['node-a@2', 'node-b@3'],
    );
    watch.close();
    await api.stop();
    await expect(fetch(`${api.url}/version`)).rejects.toThrow();
    await api.start();
    expect((await getJson(api, '/api/v1/nodes')).body.items).toHaveLength(2);
  });
});
