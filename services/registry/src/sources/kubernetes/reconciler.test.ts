import { describe, expect, it } from 'vitest';
import type { EntityChange } from '../../writer/changes';
import {
  blockAffinity,
  endpointSlice,
  node,
  SEED_002,
  service,
  serviceExport,
} from '../../testing/kube-fixtures';
import { KubeInventory } from './inventory';
import { EntityReconciler } from './reconciler';

const summary = (changes: EntityChange[]) =>
  changes.map((c) =>
    c.op === 'delete'
      ? `-${c.kind}:${Object.values(c.key).slice(1).join('/')}`
      : `+${c.kind}:${c.kind === 'node' ? c.state.name : c.kind === 'block' ? `${c.state.cidr}@${c.state.nextHop}` : `${c.state.namespace}/${c.state.name}`}`,
  );

function seed002() {
  const inv = new KubeInventory('k8s', { exportDefault: false, calico: true });
  inv.apply('node', 'upsert', node(SEED_002.controller.name, SEED_002.controller.ip));
  for (const w of SEED_002.workers) {
    inv.apply('node', 'upsert', node(w.name, w.ip));
    inv.apply('blockaffinity', 'upsert', blockAffinity(w.name, w.block));
  }
  return inv;
}

describe('EntityReconciler', () => {
  it('emits seed 002: four nodes and each Calico block with its worker as next hop', () => {
    const inv = seed002();
    const rec = new EntityReconciler('k8s');
    expect(summary(rec.changes(inv, inv.takeDirty())).sort()).toEqual([
      '+block:192.168.119.192/26@172.16.18.35',
      '+block:192.168.55.128/26@172.16.18.34',
      '+block:192.168.7.0/26@172.16.18.36',
      '+node:k8s-controller',
      '+node:k8s-worker-1',
      '+node:k8s-worker-2',
      '+node:k8s-worker-3',
    ]);
  });

  it('emits nothing when the same objects arrive again (a relist)', () => {
    const inv = seed002();
    const rec = new EntityReconciler('k8s');
    rec.changes(inv, inv.takeDirty());
    for (const w of SEED_002.workers) inv.apply('node', 'upsert', node(w.name, w.ip));
    expect(rec.changes(inv, inv.takeDirty())).toEqual([]);
    expect(rec.fullPass(inv)).toEqual([]);
  });

  it('does not depend on the order objects arrive in', () => {
    const a = seed002();
    const b = new KubeInventory('k8s', { exportDefault: false, calico: true });
    for (const w of [...SEED_002.workers].reverse()) {
      b.apply('blockaffinity', 'upsert', blockAffinity(w.name, w.block)); // before its node
      b.apply('node', 'upsert', node(w.name, w.ip));
    }
    b.apply('node', 'upsert', node(SEED_002.controller.name, SEED_002.controller.ip));
    const sa = summary(new EntityReconciler('k8s').changes(a, a.takeDirty())).sort();
    const sb = summary(new EntityReconciler('k8s').changes(b, b.takeDirty())).sort();
    expect(sb).toEqual(sa);
  });

  it('deletes a node with its blocks, and moves a block that Calico reassigns', () => {
    const inv = seed002();
    const rec = new EntityReconciler('k8s');
    rec.changes(inv, inv.takeDirty());
    const [w1, w2] = SEED_002.workers;
    inv.apply('node', 'delete', node(w1!.name, w1!.ip));
    expect(summary(rec.changes(inv, inv.takeDirty()))).toEqual([
      '-block:192.168.55.128/26',
      '-node:k8s-worker-1',
    ]);
    inv.apply('blockaffinity', 'delete', blockAffinity(w2!.name, w2!.block));
    inv.apply('blockaffinity', 'upsert', blockAffinity(SEED_002.workers[2]!.name, w2!.block));
    expect(summary(rec.changes(inv, inv.takeDirty()))).toContain('+block:192.168.119.192/26@172.16.18.36');
  });

  it('follows endpoints as a deployment scales, and exports', () => {
    const inv = new KubeInventory('k8s', { exportDefault: false, calico: false });
    const rec = new EntityReconciler('k8s');
    inv.apply('service', 'upsert', service('shop', 'web', { clusterIP: '10.96.0.10' }));
    const eps = (n: number) => Array.from({ length: n }, (_, i) => ({ ip: `10.244.0.${i + 10}` }));
    inv.apply('endpointslice', 'upsert', endpointSlice('shop', 'web', 'web-1', eps(3)));
    const first = rec.changes(inv, inv.takeDirty());
    expect(first).toHaveLength(1);
    expect((first[0] as { state: { endpoints: unknown[]; exported: boolean } }).state).toMatchObject({
      exported: false,
    });
    inv.apply('endpointslice', 'upsert', endpointSlice('shop', 'web', 'web-1', eps(1)));
    inv.apply('serviceexport', 'upsert', serviceExport('shop', 'web'));
    const [scaled] = rec.changes(inv, inv.takeDirty()) as {
      state: { endpoints: unknown[]; exported: boolean };
    }[];
    expect(scaled!.state.endpoints).toHaveLength(1);
    expect(scaled!.state.exported).toBe(true);
    inv.apply('service', 'delete', service('shop', 'web'));
    expect(summary(rec.changes(inv, inv.takeDirty()))).toEqual(['-service:shop/web']);
  });

  it('deletes, after a restart, what the registry had and the cluster no longer has', () => {
    const inv = seed002();
    const rec = new EntityReconciler('k8s');
    rec.seed({
      nodes: ['k8s-worker-1', 'gone-node'],
      blocks: [{ cidr: '10.9.9.0/26', node: 'gone-node' }],
      services: [{ namespace: 'old', name: 'svc' }],
    });
    const changes = summary(rec.fullPass(inv));
    expect(changes).toEqual(
      expect.arrayContaining([
        '-node:gone-node',
        '-block:10.9.9.0/26',
        '-service:old/svc',
        '+node:k8s-worker-1',
      ]),
    );
    expect(changes.filter((c) => c.startsWith('+node'))).toHaveLength(4);
  });

  it('switches the block source when Calico appears', () => {
    const inv = new KubeInventory('k8s', { exportDefault: false, calico: false });
    const rec = new EntityReconciler('k8s');
    inv.apply('node', 'upsert', node('w1', '172.16.18.34', { podCIDRs: ['10.244.1.0/24'] }));
    inv.apply('blockaffinity', 'upsert', blockAffinity('w1', '192.168.55.128/26'));
    expect(summary(rec.changes(inv, inv.takeDirty()))).toEqual([
      '+node:w1',
      '+block:10.244.1.0/24@172.16.18.34',
    ]);
    inv.configure({ exportDefault: false, calico: true });
    expect(summary(rec.changes(inv, inv.takeDirty()))).toEqual([
      '-block:10.244.1.0/24',
      '+block:192.168.55.128/26@172.16.18.34',
    ]);
  });
});
