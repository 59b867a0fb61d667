// Custom resources: served once their CRD is installed, 404 before and after, as in the real API.
import {
  ApiextensionsV1Api,
  CustomObjectsApi,
  makeInformer,
  type KubernetesObject,
} from '@kubernetes/client-node';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { FakeKubeApi } from './index';

import { blockAffinity, blockAffinityCrd, serviceExportCrd } from './crds';

import { getJson, kubeConfigFor, openWatch, record, type Recording } from './testing/helpers';
import { pollUntil } from '@isthmus/testing';

const CALICO = { group: 'crd.projectcalico.org', version: 'v1', plural: 'blockaffinities' };

describe('CustomResourceDefinitions', () => {
  let api: FakeKubeApi;
  const informers: Recording[] = [];
  beforeEach(async () => {
    api = await FakeKubeApi.start();
  });
  afterEach(async () => {
    for (const rec of informers.splice(0)) await rec.informer.stop();
    await api.stop();
  });

  function blockAffinityInformer(): Recording {
    const kc = kubeConfigFor(api);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const rec = record(
      makeInformer<KubernetesObject>(kc, '/apis/crd.projectcalico.org/v1/blockaffinities', () =>
        custom.listClusterCustomObject(CALICO),
      ),
    );
    informers.push(rec);
    return rec;
  }

  it('is a 404 in discovery and for lists before installCrd, and served after', async () => {
    const groups = async () =>
      ((await getJson(api, '/apis')).body.groups as Array<{ name: string }>).map((g) => g.name);
    expect(await groups()).not.toContain('crd.projectcalico.org');
    const before = await getJson(api, '/apis/crd.projectcalico.org/v1');
    expect(before.status).toBe(404);
    expect(before.body).toMatchObject({ kind: 'Status', code: 404, reason: 'NotFound' });
    expect((await getJson(api, '/apis/crd.projectcalico.org/v1/blockaffinities')).status).toBe(404);

    // An informer started too early gets the 404 as an error from its list, and stops.
    const early = blockAffinityInformer();
    await early.informer.start();
    expect((early.errors[0] as { code?: number }).code).toBe(404);

    const installed = api.installCrd(blockAffinityCrd);
    expect(
      (installed.status as { conditions: Array<{ type: string; status: string }> }).conditions,
    ).toContainEqual(expect.objectContaining({ type: 'Established', status: 'True' }));
    expect(await groups()).toContain('crd.projectcalico.org');
    expect((await getJson(api, '/apis/crd.projectcalico.org')).body).toMatchObject({
      kind: 'APIGroup',
      preferredVersion: { groupVersion: 'crd.projectcalico.org/v1', version: 'v1' },
    });
    expect((await getJson(api, '/apis/crd.projectcalico.org/v1')).body).toEqual({
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: 'crd.projectcalico.org/v1',
      resources: [
        {
          name: 'blockaffinities',
          singularName: 'blockaffinity',
          namespaced: false,
          kind: 'BlockAffinity',
          verbs: ['get', 'list', 'watch'],
        },
      ],
    });
    const list = await getJson(api, '/apis/crd.projectcalico.org/v1/blockaffinities');
    expect(list.body).toMatchObject({
      kind: 'BlockAffinityList',
      apiVersion: 'crd.projectcalico.org/v1',
      items: [],
    });

    // The CRD itself is an object like any other.
    const crds = await kubeConfigFor(api).makeApiClient(ApiextensionsV1Api).listCustomResourceDefinition();
    expect(crds.items.map((c) => c.metadata?.name)).toEqual(['blockaffinities.crd.projectcalico.org']);
  });

  it('round-trips a BlockAffinity through list, watch and get', async () => {
    api.installCrd(blockAffinityCrd);
    const first = api.apply(blockAffinity('node-a', '192.168.0.0/26'));
    expect(first.metadata).toMatchObject({ name: 'node-a-192-168-0-0-26', generation: 1 });
    const rec = blockAffinityInformer();
    await rec.informer.start();
    const second = api.apply(blockAffinity('node-b', '192.168.0.64/26'));
    await pollUntil('the second block', () => rec.cached().length === 2);

    // CustomObjectsApi returns the JSON as it came: custom resources keep kind and apiVersion in
    // list items, unlike built-in types.
    const [listed, watched] = rec.objects.map((o) => o.obj);
    expect(listed).toEqual(first);
    expect(watched).toEqual(second);
    const custom = kubeConfigFor(api).makeApiClient(CustomObjectsApi);
    expect(await custom.getClusterCustomObject({ ...CALICO, name: 'node-b-192-168-0-64-26' })).toEqual(
      second,
    );

    const moved = api.patch(
      { apiVersion: 'crd.projectcalico.org/v1', kind: 'BlockAffinity', name: 'node-b-192-168-0-64-26' },
      (b) => {
        (b.spec as { state: string }).state = 'pending';
      },
    );
    expect(moved.metadata.generation).toBe(2);
    await pollUntil('the update', () => rec.events.includes('update node-b-192-168-0-64-26'));
    const cached = rec.informer.get('node-b-192-168-0-64-26') as
      (KubernetesObject & { spec?: { state?: string } }) | undefined;
    expect(cached?.spec?.state).toBe('pending');
  });

  it('serves namespaced custom resources per namespace and across namespaces', async () => {
    api.installCrd(serviceExportCrd);
    const exportOf = (namespace: string, name: string) => ({
      apiVersion: 'multicluster.x-k8s.io/v1alpha1',
      kind: 'ServiceExport',
      metadata: { namespace, name },
    });
    api.apply(exportOf('shop', 'web'));
    api.apply(exportOf('default', 'dns'));
    const custom = kubeConfigFor(api).makeApiClient(CustomObjectsApi);
    const mc = { group: 'multicluster.x-k8s.io', version: 'v1alpha1', plural: 'serviceexports' };
    const all = await custom.listCustomObjectForAllNamespaces(mc);
    expect(all.items.map((o: KubernetesObject) => `${o.metadata?.namespace}/${o.metadata?.name}`)).toEqual([
      'default/dns',
      'shop/web',
    ]);
    const shop = await custom.listNamespacedCustomObject({ ...mc, namespace: 'shop' });
    expect(shop.items.map((o: KubernetesObject) => o.metadata?.name)).toEqual(['web']);
    const resources = (await getJson(api, '/apis/multicluster.x-k8s.io/v1alpha1')).body.resources;
    expect(resources[0]).toMatchObject({
      name: 'serviceexports',
      namespaced: true,
      shortNames: ['svcex'],
      categories: ['multicluster'],
    });
    // A namespaced resource has no cluster-scoped object path.
    expect((await getJson(api, '/apis/multicluster.x-k8s.io/v1alpha1/serviceexports/web')).status).toBe(404);
  });

  it('removeCrd deletes the objects, ends the watches, and the paths are 404 again', async () => {
    api.installCrd(blockAffinityCrd);
    api.apply(blockAffinity('node-a', '192.168.0.0/26'));
    const rec = blockAffinityInformer();
    await rec.informer.start();
    const crdWatch = await openWatch(
      api,
      `/apis/apiextensions.k8s.io/v1/customresourcedefinitions?watch=true&resourceVersion=${api.resourceVersion}`,
    );

    api.removeCrd('blockaffinities.crd.projectcalico.org');
    // The informer sees the DELETED, then the end of its watch; it watches again, gets a 404
    // (an Error with statusCode 404), reports it and stops.
    await pollUntil('the informer error', () => rec.errors.length === 1);
    expect(rec.events).toEqual(['add node-a-192-168-0-0-26', 'delete node-a-192-168-0-0-26']);
    expect((rec.errors[0] as { statusCode?: number }).statusCode).toBe(404);
    await pollUntil('the CRD deletion', () => crdWatch.events.length === 1);
    expect(crdWatch.events[0]).toMatchObject({
      type: 'DELETED',
      object: { metadata: { name: 'blockaffinities.crd.projectcalico.org' } },
    });
    crdWatch.close();
    expect((await getJson(api, '/apis/crd.projectcalico.org/v1/blockaffinities')).status).toBe(404);
    expect((await getJson(api, '/apis')).body.groups.map((g: { name: string }) => g.name)).not.toContain(
      'crd.projectcalico.org',
    );
  });

  it('refuses a CRD the real API would refuse', () => {
    expect(() => api.installCrd({ ...blockAffinityCrd, metadata: { name: 'wrong' } })).toThrow(
      /metadata.name must be/,
    );
    expect(() => api.apply(blockAffinity('node-a', '192.168.0.0/26'))).toThrow(
      /no matches for kind "BlockAffinity"/,
    );
  });
});
