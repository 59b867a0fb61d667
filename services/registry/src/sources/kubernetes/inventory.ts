import type { NodeState, PodBlockState, ServiceState } from '@isthmus/contracts';
import { blockAffinityBlock, isExported, nodeState, podCidrBlocks, serviceState } from './convert';
import {
  SERVICE_NAME_LABEL,
  type KubeBlockAffinity,
  type KubeEndpointSlice,
  type KubeNode,
  type KubeService,
  type KubeServiceExport,
} from './kube-objects';

export type KubeKind = 'node' | 'blockaffinity' | 'service' | 'endpointslice' | 'serviceexport';

/** What changed since the last flush: nodes (with their pod blocks) and services to recompute. */
export interface Dirty {
  nodes: Set<string>;
  services: Set<string>;
}

export interface InventorySettings {
  exportDefault: boolean;
  /**
   * Where pod blocks come from: Calico IPAM BlockAffinities when the cluster has Calico's CRD
   * (a cluster with Calico IPAM may still have node podCIDRs allocated, unused), else the nodes'
   * spec.podCIDRs.
   */
  calico: boolean;
}

const nsName = (m: { namespace?: string; name?: string } | undefined) =>
  `${m?.namespace ?? ''}/${m?.name ?? ''}`;

/**
 * The Kubernetes objects of one cluster that matter to the registry, as the informers deliver
 * them, and which domain entities each change touches. Pure: no IO, no clock.
 */
export class KubeInventory {
  private readonly nodes = new Map<string, KubeNode>();
  private readonly affinities = new Map<string, KubeBlockAffinity>();
  private readonly services = new Map<string, KubeService>();
  private readonly slices = new Map<string, KubeEndpointSlice>();
  private readonly slicesByService = new Map<string, Set<string>>();
  private readonly exports = new Set<string>();
  private dirty: Dirty = { nodes: new Set(), services: new Set() };

  constructor(
    readonly cluster: string,
    private settings: InventorySettings,
  ) {}

  configure(settings: InventorySettings): void {
    if (settings.exportDefault !== this.settings.exportDefault)
      for (const k of this.services.keys()) this.dirty.services.add(k);
    if (settings.calico !== this.settings.calico) for (const n of this.nodes.keys()) this.dirty.nodes.add(n);
    this.settings = settings;
  }

  apply(kind: KubeKind, type: 'upsert' | 'delete', obj: object): void {
    switch (kind) {
      case 'node':
        return this.applyNode(type, obj as KubeNode);
      case 'blockaffinity':
        return this.applyAffinity(type, obj as KubeBlockAffinity);
      case 'service':
        return this.applyService(type, obj as KubeService);
      case 'endpointslice':
        return this.applySlice(type, obj as KubeEndpointSlice);
      case 'serviceexport':
        return this.applyExport(type, obj as KubeServiceExport);
    }
  }

  /** Forgets every object of a kind (its informer is relisting from scratch, or its CRD is gone). */
  clear(kind: KubeKind): void {
    const objects: Record<KubeKind, Map<string, unknown> | Set<string>> = {
      node: this.nodes,
      blockaffinity: this.affinities,
      service: this.services,
      endpointslice: this.slices,
      serviceexport: this.exports,
    };
    for (const key of [...objects[kind].keys()]) {
      if (kind === 'serviceexport')
        this.applyExport('delete', { metadata: { namespace: key.split('/')[0], name: key.split('/')[1] } });
      else this.apply(kind, 'delete', (objects[kind] as Map<string, object>).get(key)!);
    }
  }

  /** What changed since the last call; the groups not taken stay dirty for a later one. */
  takeDirty(take: { nodes: boolean; services: boolean } = { nodes: true, services: true }): Dirty {
    const d = this.dirty;
    this.dirty = {
      nodes: take.nodes ? new Set() : d.nodes,
      services: take.services ? new Set() : d.services,
    };
    return { nodes: take.nodes ? d.nodes : new Set(), services: take.services ? d.services : new Set() };
  }

  /** Everything, as if every object had just changed (a full pass). */
  everything(): Dirty {
    return { nodes: new Set(this.nodes.keys()), services: new Set(this.services.keys()) };
  }

  nodeState(name: string): NodeState | null {
    const node = this.nodes.get(name);
    return node ? nodeState(this.cluster, node) : null;
  }

  /** The pod blocks a node should have now. */
  blocksOf(name: string): PodBlockState[] {
    const node = this.nodes.get(name);
    if (!node) return [];
    if (!this.settings.calico) return podCidrBlocks(this.cluster, node);
    const out: PodBlockState[] = [];
    for (const a of this.affinities.values()) {
      if (a.spec?.node !== name) continue;
      const block = blockAffinityBlock(this.cluster, a, node);
      if (block) out.push(block);
    }
    return out.sort((x, y) => (x.cidr < y.cidr ? -1 : 1));
  }

  serviceState(key: string): ServiceState | null {
    const svc = this.services.get(key);
    if (!svc) return null;
    const slices = [...(this.slicesByService.get(key) ?? [])].map((k) => this.slices.get(k)!).filter(Boolean);
    return serviceState(
      this.cluster,
      svc,
      slices,
      isExported(svc, this.exports.has(key), this.settings.exportDefault),
    );
  }

  private applyNode(type: 'upsert' | 'delete', node: KubeNode): void {
    const name = node.metadata?.name;
    if (!name) return;
    if (type === 'upsert') this.nodes.set(name, node);
    else this.nodes.delete(name);
    this.dirty.nodes.add(name);
  }

  private applyAffinity(type: 'upsert' | 'delete', a: KubeBlockAffinity): void {
    const name = a.metadata?.name;
    if (!name) return;
    // The node it was on and the node it is on now both have their blocks recomputed.
    const before = this.affinities.get(name)?.spec?.node;
    if (type === 'upsert') this.affinities.set(name, a);
    else this.affinities.delete(name);
    for (const n of [before, a.spec?.node]) if (n) this.dirty.nodes.add(n);
  }

  private applyService(type: 'upsert' | 'delete', svc: KubeService): void {
    const key = nsName(svc.metadata);
    if (type === 'upsert') this.services.set(key, svc);
    else this.services.delete(key);
    this.dirty.services.add(key);
  }

  private applySlice(type: 'upsert' | 'delete', slice: KubeEndpointSlice): void {
    const key = nsName(slice.metadata);
    const before = this.slices.get(key);
    const serviceOf = (s: KubeEndpointSlice | undefined) =>
      s?.metadata?.labels?.[SERVICE_NAME_LABEL]
        ? `${s.metadata.namespace ?? ''}/${s.metadata.labels[SERVICE_NAME_LABEL]}`
        : null;
    const oldService = serviceOf(before);
    const newService = type === 'upsert' ? serviceOf(slice) : null;
    if (oldService) {
      this.slicesByService.get(oldService)?.delete(key);
      if (this.slicesByService.get(oldService)?.size === 0) this.slicesByService.delete(oldService);
      this.dirty.services.add(oldService);
    }
    if (type === 'upsert') this.slices.set(key, slice);
    else this.slices.delete(key);
    if (newService) {
      let set = this.slicesByService.get(newService);
      if (!set) this.slicesByService.set(newService, (set = new Set()));
      set.add(key);
      this.dirty.services.add(newService);
    }
  }

  private applyExport(type: 'upsert' | 'delete', e: KubeServiceExport): void {
    const key = nsName(e.metadata);
    if (type === 'upsert') this.exports.add(key);
    else this.exports.delete(key);
    this.dirty.services.add(key);
  }
}
