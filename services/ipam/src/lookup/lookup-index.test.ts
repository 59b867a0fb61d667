import { describe, expect, it } from 'vitest';
import type { EndpointState, ServiceState } from '@isthmus/contracts';
import { LookupIndex } from './lookup-index';

const endpoint = (address: string, node = 'n1'): EndpointState => ({
  address,
  ports: [],
  node,
  hostname: null,
  ready: true,
  serving: true,
  terminating: false,
});
const service = (name: string, endpoints: EndpointState[]): ServiceState => ({
  cluster: 'k8s',
  namespace: 'shop',
  name,
  type: 'ClusterIP',
  clusterIPs: [],
  loadBalancerIPs: [],
  externalName: null,
  ports: [],
  labels: {},
  exported: true,
  endpoints,
});
const owners = (index: LookupIndex, address: string) =>
  index
    .holders(address)
    .matches.map((m) => (m.owner.kind === 'endpoint' ? `${m.owner.service}@${m.owner.node}` : m.owner.kind));

describe('LookupIndex', () => {
  it('follows a service state: endpoints added, moved and gone', () => {
    const index = new LookupIndex();
    index.putService(service('web', [endpoint('10.0.0.1'), endpoint('10.0.0.2')]));
    index.putService(service('api', [endpoint('10.0.0.2')]));
    expect(owners(index, '10.0.0.2').sort()).toEqual(['api@n1', 'web@n1']);
    // The next state of web: 10.0.0.1 gone, 10.0.0.2 on another node.
    index.putService(service('web', [endpoint('10.0.0.2', 'n2')]));
    expect(owners(index, '10.0.0.1')).toEqual([]);
    expect(owners(index, '10.0.0.2').sort()).toEqual(['api@n1', 'web@n2']);
    index.removeService({ cluster: 'k8s', namespace: 'shop', name: 'web' });
    expect(owners(index, '10.0.0.2')).toEqual(['api@n1']);
  });

  it('keeps node addresses exact and shared between nodes that claim the same one', () => {
    const index = new LookupIndex();
    index.putNode({
      cluster: 'k8s',
      name: 'a',
      addresses: ['192.0.2.1', '2001:db8::1'],
      ready: true,
      labels: {},
    });
    index.putNode({ cluster: 'dcos', name: 'b', addresses: ['192.0.2.1'], ready: true, labels: {} });
    expect(index.holders('192.0.2.1').nodes).toEqual([
      { cluster: 'k8s', node: 'a' },
      { cluster: 'dcos', node: 'b' },
    ]);
    expect(index.holders('2001:db8:0:0::1').nodes).toEqual([{ cluster: 'k8s', node: 'a' }]);
    index.putNode({ cluster: 'k8s', name: 'a', addresses: ['192.0.2.9'], ready: true, labels: {} });
    expect(index.holders('192.0.2.1').nodes).toEqual([{ cluster: 'dcos', node: 'b' }]);
    expect(index.holders('2001:db8::1').nodes).toEqual([]);
  });

  it('replaces the whole plan: a pool recreated with another prefix leaves the old one', () => {
    const index = new LookupIndex();
    index.setPlan(
      [{ name: 'lab', cidr: '10.0.0.0/8' }],
      [{ id: 1, pool: 'lab', cluster: 'k8s', purpose: 'pods', cidr: '10.1.0.0/16' }],
    );
    expect(owners(index, '10.1.2.3')).toEqual(['allocation', 'pool']);
    index.setPlan([{ name: 'lab', cidr: '172.16.0.0/12' }], []);
    expect(owners(index, '10.1.2.3')).toEqual([]);
    expect(owners(index, '172.16.0.1')).toEqual(['pool']);
  });
});
