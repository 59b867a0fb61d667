import { NodeState, PodBlockState, ServiceState } from '@isthmus/contracts';
import type { KubeBlockAffinity } from './kube-objects';
import { describe, expect, it } from 'vitest';
import { blockAffinity, endpointSlice, node, SEED_002, service } from '../../testing/kube-fixtures';
import {
  blockAffinityBlock,
  endpointsOf,
  isExported,
  nodeState,
  podCidrBlocks,
  serviceState,
} from './convert';

describe('nodes', () => {
  it('lists InternalIP first, drops host names and duplicates, reads readiness', () => {
    const n = node('w1', ['10.0.0.5', '2001:db8::5'], { externalIP: '203.0.113.5', ready: false });
    n.status.addresses.push({ type: 'InternalIP', address: '10.0.0.5' });
    expect(nodeState('k8s', n)).toEqual({
      cluster: 'k8s',
      name: 'w1',
      addresses: ['10.0.0.5', '2001:db8::5', '203.0.113.5'],
      ready: false,
      labels: { 'kubernetes.io/hostname': 'w1' },
    });
    expect(NodeState.safeParse(nodeState('k8s', n)).success).toBe(true);
  });

  it('routes spec.podCIDRs via the node address of the same family (kubenet, dual stack)', () => {
    const n = node('w1', ['192.0.2.21', '2001:db8::21'], {
      podCIDRs: ['10.244.1.0/24', 'fd00:10:244:1::/64'],
    });
    expect(podCidrBlocks('k8s', n)).toEqual([
      { cluster: 'k8s', cidr: '10.244.1.0/24', node: 'w1', nextHop: '192.0.2.21', source: 'node-podcidr' },
      {
        cluster: 'k8s',
        cidr: 'fd00:10:244:1::/64',
        node: 'w1',
        nextHop: '2001:db8::21',
        source: 'node-podcidr',
      },
    ]);
    // An IPv6 block on an IPv4-only node has no next hop: not published rather than misrouted.
    expect(podCidrBlocks('k8s', node('w2', '192.0.2.22', { podCIDRs: ['fd00::/64'] }))).toEqual([]);
    expect(podCidrBlocks('k8s', node('w3', '192.0.2.23', { podCIDRs: ['not-a-cidr'] }))).toEqual([]);
  });
});

describe('Calico BlockAffinity (seed 002)', () => {
  const [w1] = SEED_002.workers;
  const worker = node(w1!.name, w1!.ip);

  it('gives the block with the node as next hop', () => {
    const block = blockAffinityBlock('k8s', blockAffinity(w1!.name, w1!.block), worker);
    expect(block).toEqual({
      cluster: 'k8s',
      cidr: '192.168.55.128/26',
      node: 'k8s-worker-1',
      nextHop: '172.16.18.34',
      source: 'calico-blockaffinity',
    });
    expect(PodBlockState.safeParse(block).success).toBe(true);
  });

  it('ignores blocks that are not confirmed, being deleted, or of an unknown node', () => {
    expect(blockAffinityBlock('k8s', blockAffinity(w1!.name, w1!.block, 'pending'), worker)).toBeNull();
    const deleted = blockAffinity(w1!.name, w1!.block) as KubeBlockAffinity;
    deleted.spec!.deleted = 'true';
    expect(blockAffinityBlock('k8s', deleted, worker)).toBeNull();
    expect(blockAffinityBlock('k8s', blockAffinity(w1!.name, w1!.block), undefined)).toBeNull();
  });
});

describe('services and endpoints', () => {
  it('joins a LoadBalancer service with its slices, one endpoint per address, sorted', () => {
    const svc = service('shop', 'web', {
      type: 'LoadBalancer',
      clusterIP: '10.96.0.10',
      loadBalancerIPs: ['203.0.113.80'],
      ports: [{ name: 'http', port: 80, targetPort: 'http', nodePort: 30080 }],
    });
    const slices = [
      endpointSlice('shop', 'web', 'web-b', [{ ip: '10.244.2.7', node: 'w2' }]),
      endpointSlice('shop', 'web', 'web-a', [
        { ip: '10.244.1.5', node: 'w1', hostname: 'web-0' },
        { ip: '10.244.2.7', node: 'w2', ready: false }, // the same address in two slices: the ready one wins
      ]),
    ];
    const state = serviceState('k8s', svc, slices, true);
    expect(state).toMatchObject({
      type: 'LoadBalancer',
      clusterIPs: ['10.96.0.10'],
      loadBalancerIPs: ['203.0.113.80'],
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 'http', nodePort: 30080 }],
      exported: true,
    });
    expect(state!.endpoints.map((e) => [e.address, e.ready, e.hostname])).toEqual([
      ['10.244.1.5', true, 'web-0'],
      ['10.244.2.7', true, null],
    ]);
    expect(ServiceState.safeParse(state).success).toBe(true);
  });

  it('reads nil conditions as the EndpointSlice API says', () => {
    const slice = endpointSlice('a', 'b', 'c', [{ ip: '10.0.0.1' }]);
    slice.endpoints[0]!.conditions = {} as never;
    expect(endpointsOf([slice])[0]).toMatchObject({ ready: true, serving: true, terminating: false });
    const terminating = endpointSlice('a', 'b', 'c', [
      { ip: '10.0.0.2', ready: false, serving: true, terminating: true },
    ]);
    expect(endpointsOf([terminating])[0]).toMatchObject({ ready: false, serving: true, terminating: true });
  });

  it('maps headless and ExternalName services', () => {
    expect(serviceState('k8s', service('db', 'pg', { clusterIP: 'None' }), [], false)).toMatchObject({
      type: 'Headless',
      clusterIPs: [],
    });
    expect(
      serviceState(
        'k8s',
        service('ext', 'search', { type: 'ExternalName', externalName: 'search.example.com' }),
        [],
        false,
      ),
    ).toMatchObject({ type: 'ExternalName', externalName: 'search.example.com', endpoints: [] });
  });

  it('skips FQDN slices and addresses that are not IPs', () => {
    const fqdn = { ...endpointSlice('a', 'b', 'c', [{ ip: '10.0.0.1' }]), addressType: 'FQDN' };
    const garbage = endpointSlice('a', 'b', 'd', [{ ip: 'not-an-ip' }, { ip: '10.0.0.3' }]);
    expect(endpointsOf([fqdn, garbage]).map((e) => e.address)).toEqual(['10.0.0.3']);
  });

  it('exports by ServiceExport, then by annotation, then by the cluster default', () => {
    const plain = service('a', 'b');
    const yes = service('a', 'b', { annotations: { 'isthmus.io/export': 'true' } });
    const no = service('a', 'b', { annotations: { 'isthmus.io/export': 'false' } });
    expect(isExported(plain, true, false)).toBe(true);
    expect(isExported(no, true, false)).toBe(true);
    expect(isExported(yes, false, false)).toBe(true);
    expect(isExported(no, false, true)).toBe(false);
    expect(isExported(plain, false, true)).toBe(true);
    expect(isExported(plain, false, false)).toBe(false);
  });
});
