import { describe, expect, it } from 'vitest';
import type { NodeState } from '@isthmus/contracts';
import { coalesce, type EntityChange } from './changes';

const node = (cluster: string, name: string, ready = true): NodeState => ({
  cluster,
  name,
  addresses: ['192.0.2.1'],
  ready,
  labels: {},
});

describe('coalesce', () => {
  it('keeps the last change per entity', () => {
    const changes: EntityChange[] = [
      { kind: 'node', op: 'upsert', state: node('b', 'n1', false) },
      { kind: 'node', op: 'upsert', state: node('b', 'n1', true) },
      { kind: 'node', op: 'delete', key: { cluster: 'a', name: 'n2' } },
      { kind: 'node', op: 'upsert', state: node('a', 'n2') },
    ];
    const out = coalesce(changes);
    expect(out.nodeUpserts).toEqual([node('b', 'n1', true), node('a', 'n2')]);
    expect(out.nodeDeletes).toEqual([]);
    expect(out.clusters).toEqual(['a', 'b']);
  });

  it('lets a delete after an upsert win', () => {
    const out = coalesce([
      { kind: 'service', op: 'upsert', state: { cluster: 'a', namespace: 'ns', name: 's' } as never },
      { kind: 'service', op: 'delete', key: { cluster: 'a', namespace: 'ns', name: 's' } },
    ]);
    expect(out.serviceUpserts).toEqual([]);
    expect(out.serviceDeletes).toEqual([{ cluster: 'a', namespace: 'ns', name: 's' }]);
  });

  it('does not confuse entities whose names contain the separator of another kind', () => {
    const out = coalesce([
      { kind: 'node', op: 'upsert', state: node('a', 'x.y') },
      { kind: 'block', op: 'delete', key: { cluster: 'a', cidr: '10.0.0.0/24' } },
      { kind: 'node', op: 'upsert', state: node('a', 'x') },
    ]);
    expect(out.nodeUpserts).toHaveLength(2);
    expect(out.blockDeletes).toHaveLength(1);
  });

  it('does not depend on the order of unrelated changes', () => {
    const a: EntityChange = { kind: 'node', op: 'upsert', state: node('a', '1') };
    const b: EntityChange = { kind: 'node', op: 'upsert', state: node('a', '2') };
    expect(new Set(coalesce([a, b]).nodeUpserts)).toEqual(new Set(coalesce([b, a]).nodeUpserts));
  });
});
