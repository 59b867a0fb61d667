/**
 * Kubernetes objects for tests, shaped as the API serves them. Seed 002's Kubernetes half:
 * one controller and three workers on 172.16.18.33-36, Calico IPAM blocks (/26) out of
 * 192.168.0.0/17 on the workers. Addresses are data only: nothing ever connects to them.
 */
// Calico's and the MCS API's CRDs and BlockAffinity objects come with the fake API server.
export { blockAffinity, blockAffinityCrd, serviceExportCrd } from '@isthmus/fake-kube';
export const SEED_002 = {
  controller: { name: 'k8s-controller', ip: '172.16.18.33' },
  workers: [
    { name: 'k8s-worker-1', ip: '172.16.18.34', block: '192.168.55.128/26' },
    { name: 'k8s-worker-2', ip: '172.16.18.35', block: '192.168.119.192/26' },
    { name: 'k8s-worker-3', ip: '172.16.18.36', block: '192.168.7.0/26' },
  ],
  ipPool: '192.168.0.0/17',
};

export function node(
  name: string,
  ip: string | string[],
  opts: { podCIDRs?: string[]; ready?: boolean; labels?: Record<string, string>; externalIP?: string } = {},
) {
  const ips = Array.isArray(ip) ? ip : [ip];
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(opts.labels ?? {}) } },
    spec: opts.podCIDRs ? { podCIDR: opts.podCIDRs[0], podCIDRs: opts.podCIDRs } : {},
    status: {
      addresses: [
        { type: 'Hostname', address: name },
        ...(opts.externalIP ? [{ type: 'ExternalIP', address: opts.externalIP }] : []),
        ...ips.map((address) => ({ type: 'InternalIP', address })),
      ],
      conditions: [
        { type: 'MemoryPressure', status: 'False' },
        { type: 'Ready', status: opts.ready === false ? 'False' : 'True' },
      ],
    },
  };
}

export function service(
  namespace: string,
  name: string,
  opts: {
    type?: string;
    clusterIP?: string;
    ports?: {
      name?: string;
      port: number;
      targetPort?: number | string;
      nodePort?: number;
      protocol?: string;
    }[];
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    loadBalancerIPs?: string[];
    externalName?: string;
  } = {},
) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels: opts.labels ?? { app: name }, annotations: opts.annotations ?? {} },
    spec: {
      type: opts.type ?? 'ClusterIP',
      ...(opts.clusterIP ? { clusterIP: opts.clusterIP, clusterIPs: [opts.clusterIP] } : {}),
      ...(opts.externalName ? { externalName: opts.externalName } : {}),
      ports: (opts.ports ?? [{ name: 'http', port: 80, targetPort: 8080 }]).map((p) => ({
        protocol: 'TCP',
        ...p,
      })),
    },
    status: {
      loadBalancer: opts.loadBalancerIPs ? { ingress: opts.loadBalancerIPs.map((ip) => ({ ip })) } : {},
    },
  };
}

export interface FixtureEndpoint {
  ip: string;
  node?: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
  hostname?: string;
}

export function endpointSlice(
  namespace: string,
  serviceName: string,
  sliceName: string,
  endpoints: FixtureEndpoint[],
  ports: { name?: string; port: number; protocol?: string }[] = [{ name: 'http', port: 8080 }],
  addressType: 'IPv4' | 'IPv6' = 'IPv4',
) {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: sliceName, namespace, labels: { 'kubernetes.io/service-name': serviceName } },
    addressType,
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: {
        ready: e.ready ?? true,
        serving: e.serving ?? e.ready ?? true,
        terminating: e.terminating ?? false,
      },
      ...(e.node ? { nodeName: e.node } : {}),
      ...(e.hostname ? { hostname: e.hostname } : {}),
    })),
    ports: ports.map((p) => ({ protocol: 'TCP', ...p })),
  };
}

export function serviceExport(namespace: string, name: string) {
  return {
    apiVersion: 'multicluster.x-k8s.io/v1alpha1',
    kind: 'ServiceExport',
    metadata: { name, namespace },
  };
}
