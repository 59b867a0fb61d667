import type { NodeState, PodBlockState, ServiceState } from '@isthmus/contracts';
import type { EntityChange } from '../../writer/changes';
import type { Dirty, KubeInventory } from './inventory';

/** What the registry already holds for a cluster when its watch (re)starts. */
export interface KnownEntities {
  nodes: string[];
  blocks: { cidr: string; node: string }[];
  services: { namespace: string; name: string }[];
}

/**
 * Turns inventory changes into writer changes, level-based: for every dirty node and service
 * it computes the desired states and compares them with what it last emitted, so an update that
 * changes nothing the registry keeps (a relist, a status heartbeat) emits nothing. Pure.
 */
export class EntityReconciler {
  /** Last emitted state text per entity; undefined: the registry has it, content unknown. */
  private readonly nodes = new Map<string, string | undefined>();
  private readonly blocks = new Map<string, { text: string | undefined; node: string }>();
  private readonly blocksByNode = new Map<string, Set<string>>();
  private readonly services = new Map<string, string | undefined>();

  constructor(private readonly cluster: string) {}

  /** Starts from what the registry has, so that the first full pass deletes what is gone. */
  seed(known: KnownEntities): void {
    for (const n of known.nodes) this.nodes.set(n, undefined);
    for (const b of known.blocks) this.setBlock(b.cidr, undefined, b.node);
    for (const s of known.services) this.services.set(`${s.namespace}/${s.name}`, undefined);
  }

  /** Forgets what was emitted (a write failed): everything known becomes "content unknown". */
  forget(): void {
    for (const k of this.nodes.keys()) this.nodes.set(k, undefined);
    for (const [cidr, b] of this.blocks) this.blocks.set(cidr, { text: undefined, node: b.node });
    for (const k of this.services.keys()) this.services.set(k, undefined);
  }

  /** Changes for what the inventory marked dirty. */
  changes(inventory: KubeInventory, dirty: Dirty): EntityChange[] {
    const out: EntityChange[] = [];
    for (const name of dirty.nodes) this.node(inventory, name, out);
    for (const key of dirty.services) this.service(inventory, key, out);
    return out;
  }

  /**
   * A full pass: everything the inventory has, and deletes for every entity emitted or seeded
   * that the inventory no longer has (objects deleted while nobody watched).
   */
  fullPass(inventory: KubeInventory): EntityChange[] {
    const all = inventory.everything();
    for (const n of this.nodes.keys()) all.nodes.add(n);
    for (const { node } of this.blocks.values()) all.nodes.add(node);
    for (const s of this.services.keys()) all.services.add(s);
    return this.changes(inventory, all);
  }

  private node(inventory: KubeInventory, name: string, out: EntityChange[]): void {
    const state: NodeState | null = inventory.nodeState(name);
    // Blocks first when they go (their node is the next hop), after the node when they come.
    const blocks = state ? inventory.blocksOf(name) : [];
    const wanted = new Set(blocks.map((b) => b.cidr));
    for (const cidr of [...(this.blocksByNode.get(name) ?? [])]) {
      if (!wanted.has(cidr)) {
        out.push({ kind: 'block', op: 'delete', key: { cluster: this.cluster, cidr } });
        this.deleteBlock(cidr);
      }
    }
    if (state) {
      const text = JSON.stringify(state);
      if (this.nodes.get(name) !== text || !this.nodes.has(name)) {
        out.push({ kind: 'node', op: 'upsert', state });
        this.nodes.set(name, text);
      }
    } else if (this.nodes.has(name)) {
      out.push({ kind: 'node', op: 'delete', key: { cluster: this.cluster, name } });
      this.nodes.delete(name);
    }
    for (const block of blocks) this.block(block, out);
  }

  private block(state: PodBlockState, out: EntityChange[]): void {
    const text = JSON.stringify(state);
    const seen = this.blocks.get(state.cidr);
    if (seen && seen.text === text) return;
    out.push({ kind: 'block', op: 'upsert', state });
    this.setBlock(state.cidr, text, state.node);
  }

  private service(inventory: KubeInventory, key: string, out: EntityChange[]): void {
    const state: ServiceState | null = inventory.serviceState(key);
    if (state) {
      const text = JSON.stringify(state);
      if (this.services.get(key) !== text || !this.services.has(key)) {
        out.push({ kind: 'service', op: 'upsert', state });
        this.services.set(key, text);
      }
    } else if (this.services.has(key)) {
      const slash = key.indexOf('/');
      out.push({
        kind: 'service',
        op: 'delete',
        key: { cluster: this.cluster, namespace: key.slice(0, slash), name: key.slice(slash + 1) },
      });
      this.services.delete(key);
    }
  }

  private setBlock(cidr: string, text: string | undefined, node: string): void {
    const before = this.blocks.get(cidr);
    if (before && before.node !== node) this.blocksByNode.get(before.node)?.delete(cidr);
    this.blocks.set(cidr, { text, node });
    let set = this.blocksByNode.get(node);
    if (!set) this.blocksByNode.set(node, (set = new Set()));
    set.add(cidr);
  }

  private deleteBlock(cidr: string): void {
    const before = this.blocks.get(cidr);
    if (before) this.blocksByNode.get(before.node)?.delete(cidr);
    this.blocks.delete(cidr);
  }
}
