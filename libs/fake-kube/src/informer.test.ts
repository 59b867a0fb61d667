// What a @kubernetes/client-node 1.4 informer (makeInformer, i.e. ListWatch) does against the
// fake: list, then watch from the list's resourceVersion, callbacks in the order of the events.
import { CoreV1Api, DiscoveryV1Api, makeInformer, type KubernetesObject } from '@kubernetes/client-node';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { FakeKubeApi } from './index';

import { kubeConfigFor, node, nodeInformer, nodeRef, record, type Recording } from './testing/helpers';
import { pollUntil } from '@isthmus/testing';

describe('client-node informer', () => {
  let api: FakeKubeApi;
  const informers: Recording[] = [];
  beforeEach(async () => {
    api = await FakeKubeApi.start();
  });
  afterEach(async () => {
    for (const rec of informers.splice(0)) await rec.informer.stop();
    await api.stop();
  });

  it('lists, then gets ADDED, MODIFIED and DELETED in order', async () => {
    api.apply(node('node-a', { zone: 'a' }));
    api.apply(node('node-b'));
    const rec = nodeInformer(api);
    informers.push(rec);
    await rec.informer.start();
    // start() resolves once the list has gone through the callbacks and the watch is open:
    // client-node 1.4 has no hasSynced; this is the point an informer is in sync.
    expect(rec.events).toEqual(['add node-a', 'add node-b']);
    expect(api.stats().openWatches).toEqual({ nodes: 1 });

    api.apply(node('node-c'));
    api.patch(nodeRef('node-a'), (n) => {
      n.metadata.labels = { zone: 'b' };
    });
    api.delete(nodeRef('node-b'));
    await pollUntil('the delete of node-b', () => rec.events.includes('delete node-b'));
    expect(rec.events).toEqual(['add node-a', 'add node-b', 'add node-c', 'update node-a', 'delete node-b']);
    expect(rec.cached()).toEqual(['node-a', 'node-c']);
    expect((rec.informer.get('node-a') as KubernetesObject).metadata?.labels).toEqual({ zone: 'b' });
    expect(rec.resourceVersion()).toBe(api.resourceVersion);
    expect(rec.errors).toEqual([]);
    expect(rec.connects).toBe(1);

    // What it asked for: one list without options, one watch from the list's resourceVersion,
    // without allowWatchBookmarks or timeoutSeconds.
    const requests = api.requestLog().filter((r) => r.resource === 'nodes');
    expect(requests.map((r) => [r.verb, r.query])).toEqual([
      ['list', {}],
      ['watch', { watch: 'true', resourceVersion: '3' }],
    ]);
  });

  it('gives list items as typed models and watch objects as plain JSON', async () => {
    api.apply(node('listed'));
    const rec = nodeInformer(api);
    informers.push(rec);
    await rec.informer.start();
    api.apply(node('watched'));
    await pollUntil('the watched node', () => rec.events.includes('add watched'));
    const listed = rec.objects[0]?.obj as KubernetesObject;
    const watched = rec.objects[1]?.obj as KubernetesObject;
    // The list goes through CoreV1Api, whose ObjectSerializer builds V1Node instances with Date
    // timestamps; and list items carry no kind/apiVersion (the real API omits them too). Watch
    // events are JSON.parse'd as they come: string timestamps, kind and apiVersion set.
    expect(listed.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(listed.kind).toBeUndefined();
    expect(typeof watched.metadata?.creationTimestamp).toBe('string');
    expect(watched.kind).toBe('Node');
    expect(watched.apiVersion).toBe('v1');
  });

  it('watches a namespaced resource across namespaces, filtered by a label selector', async () => {
    const slice = (ns: string, name: string, service: string) => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { namespace: ns, name, labels: { 'kubernetes.io/service-name': service } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['192.0.2.10'] }],
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    });
    api.apply(slice('default', 'web-1', 'web'));
    api.apply(slice('shop', 'web-2', 'web'));
    api.apply(slice('shop', 'db-1', 'db'));
    const kc = kubeConfigFor(api);
    const discovery = kc.makeApiClient(DiscoveryV1Api);
    const selector = 'kubernetes.io/service-name=web';
    const rec = record(
      makeInformer<KubernetesObject>(
        kc,
        '/apis/discovery.k8s.io/v1/endpointslices',
        () => discovery.listEndpointSliceForAllNamespaces({ labelSelector: selector }),
        selector,
      ),
    );
    informers.push(rec);
    await rec.informer.start();
    expect(rec.cached()).toEqual(['default/web-1', 'shop/web-2']);

    // A slice that stops matching the selector arrives as DELETED, one that starts as ADDED.
    api.patch(
      { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', namespace: 'shop', name: 'web-2' },
      (s) => {
        s.metadata.labels = { 'kubernetes.io/service-name': 'other' };
      },
    );
    api.patch(
      { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', namespace: 'shop', name: 'db-1' },
      (s) => {
        s.metadata.labels = { 'kubernetes.io/service-name': 'web' };
      },
    );
    await pollUntil('db-1 to join', () => rec.events.includes('add shop/db-1'));
    expect(rec.events.slice(2)).toEqual(['delete shop/web-2', 'add shop/db-1']);
    expect(rec.cached()).toEqual(['default/web-1', 'shop/db-1']);
    expect(api.requestLog().find((r) => r.verb === 'watch')?.query.labelSelector).toBe(selector);
  });

  it('calls the error callbacks when stop() aborts its own watch', async () => {
    const rec = nodeInformer(api);
    informers.push(rec);
    await rec.informer.start();
    await rec.informer.stop();
    // ListWatch.stop() aborts the request; the abort reaches the watch's done callback as an
    // error, which ListWatch passes to the error callbacks like any other.
    await pollUntil('the error callback', () => rec.errors.length === 1);
    expect((rec.errors[0] as Error).name).toBe('AbortError');
    await pollUntil('the server to see the watch closed', () => api.stats().openWatchCount === 0);
  });

  it('pages through a list with CoreV1Api when asked to (the informer itself never does)', async () => {
    for (let i = 0; i < 5; i++) api.apply(node(`n${i}`));
    const core = kubeConfigFor(api).makeApiClient(CoreV1Api);
    const first = await core.listNode({ limit: 2 });
    expect(first.items.map((n) => n.metadata?.name)).toEqual(['n0', 'n1']);
    expect(first.metadata?.remainingItemCount).toBe(3);
    api.delete(nodeRef('n4')); // later pages still show the list's snapshot
    const second = await core.listNode({ limit: 2, _continue: first.metadata?._continue as string });
    const third = await core.listNode({ limit: 2, _continue: second.metadata?._continue as string });
    expect([...second.items, ...third.items].map((n) => n.metadata?.name)).toEqual(['n2', 'n3', 'n4']);
    expect(third.metadata?._continue).toBeUndefined();
    expect(second.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
  });
});
