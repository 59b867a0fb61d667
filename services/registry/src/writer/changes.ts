import { subjectForKey } from '@isthmus/contracts';
import type {
  NodeKey,
  NodeState,
  PodBlockKey,
  PodBlockState,
  ServiceKey,
  ServiceState,
} from '@isthmus/contracts';

/**
 * What a source (a watcher, or the static API) asks the writer to do. Changes carry whole
 * states; the writer decides what is actually new by comparing with what is stored.
 */
export type EntityChange =
  | { kind: 'node'; op: 'upsert'; state: NodeState }
  | { kind: 'node'; op: 'delete'; key: NodeKey }
  | { kind: 'block'; op: 'upsert'; state: PodBlockState }
  | { kind: 'block'; op: 'delete'; key: PodBlockKey }
  | { kind: 'service'; op: 'upsert'; state: ServiceState }
  | { kind: 'service'; op: 'delete'; key: ServiceKey };

export type EntityKind = EntityChange['kind'];

export function changeCluster(change: EntityChange): string {
  return change.op === 'upsert' ? change.state.cluster : change.key.cluster;
}

/** Identity of the entity a change is about, unique across kinds. */
export function changeIdentity(change: EntityChange): string {
  const k = change.op === 'upsert' ? change.state : change.key;
  switch (change.kind) {
    case 'node':
      return `node\u0000${k.cluster}\u0000${(k as NodeKey).name}`;
    case 'block':
      return `block\u0000${k.cluster}\u0000${(k as PodBlockKey).cidr}`;
    case 'service':
      return `service\u0000${k.cluster}\u0000${(k as ServiceKey).namespace}\u0000${(k as ServiceKey).name}`;
  }
}

export interface CoalescedChanges {
  nodeUpserts: NodeState[];
  nodeDeletes: NodeKey[];
  blockUpserts: PodBlockState[];
  blockDeletes: PodBlockKey[];
  serviceUpserts: ServiceState[];
  serviceDeletes: ServiceKey[];
  clusters: string[];
}

/**
 * Keeps the last change per entity (events are states: an intermediate state that nobody has
 * seen yet need not be written), and sorts them by kind for set-based SQL. Clusters come out
 * sorted so that their advisory locks are always taken in the same order (no deadlocks).
 */
export function coalesce(changes: readonly EntityChange[]): CoalescedChanges {
  const last = new Map<string, EntityChange>();
  for (const change of changes) {
    const id = changeIdentity(change);
    last.delete(id); // re-insert: the map keeps the order of the last change
    last.set(id, change);
  }
  const out: CoalescedChanges = {
    nodeUpserts: [],
    nodeDeletes: [],
    blockUpserts: [],
    blockDeletes: [],
    serviceUpserts: [],
    serviceDeletes: [],
    clusters: [],
  };
  const clusters = new Set<string>();
  for (const c of last.values()) {
    clusters.add(changeCluster(c));
    if (c.kind === 'node') {
      if (c.op === 'upsert') out.nodeUpserts.push(c.state);
      else out.nodeDeletes.push(c.key);
    } else if (c.kind === 'block') {
      if (c.op === 'upsert') out.blockUpserts.push(c.state);
      else out.blockDeletes.push(c.key);
    } else if (c.op === 'upsert') {
      out.serviceUpserts.push(c.state);
    } else {
      out.serviceDeletes.push(c.key);
    }
  }
  out.clusters = [...clusters].sort();
  return out;
}

/** The subject of the entity a change is about (the same for an upsert and a delete). */
export function changeSubject(change: EntityChange, subjectRoot: string): string {
  const k = change.op === 'upsert' ? change.state : change.key;
  switch (change.kind) {
    case 'node':
      return subjectForKey('node', { cluster: k.cluster, name: (k as NodeKey).name }, subjectRoot);
    case 'block':
      return subjectForKey('block', { cluster: k.cluster, cidr: (k as PodBlockKey).cidr }, subjectRoot);
    case 'service': {
      const { namespace, name } = k as ServiceKey;
      return subjectForKey('service', { cluster: k.cluster, namespace, name }, subjectRoot);
    }
  }
}
