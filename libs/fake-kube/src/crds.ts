// CRDs for tests (exported: the registry's Kubernetes tests install them too), trimmed from their upstream definitions (Calico's
// crd.projectcalico.org_blockaffinities.yaml, the Multi-Cluster Services API's serviceexports).
import type { KubeObject } from './types';

const anyObject = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

export const blockAffinityCrd: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'blockaffinities.crd.projectcalico.org' },
  spec: {
    group: 'crd.projectcalico.org',
    names: {
      kind: 'BlockAffinity',
      listKind: 'BlockAffinityList',
      plural: 'blockaffinities',
      singular: 'blockaffinity',
    },
    scope: 'Cluster',
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: anyObject } }],
  },
};

export const serviceExportCrd: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'serviceexports.multicluster.x-k8s.io' },
  spec: {
    group: 'multicluster.x-k8s.io',
    names: {
      kind: 'ServiceExport',
      listKind: 'ServiceExportList',
      plural: 'serviceexports',
      singular: 'serviceexport',
      shortNames: ['svcex'],
      categories: ['multicluster'],
    },
    scope: 'Namespaced',
    versions: [{ name: 'v1alpha1', served: true, storage: true, schema: { openAPIV3Schema: anyObject } }],
  },
};

/** A Calico IPAM block affinity, named as Calico names them (`<node>-<cidr with dashes>`). */
export function blockAffinity(nodeName: string, cidr: string, state = 'confirmed'): KubeObject {
  return {
    apiVersion: 'crd.projectcalico.org/v1',
    kind: 'BlockAffinity',
    metadata: { name: `${nodeName}-${cidr.replace(/[./]/g, '-')}` },
    spec: { state, node: nodeName, cidr, deleted: 'false' },
  };
}
