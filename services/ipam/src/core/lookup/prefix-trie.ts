import { addressBits, hostMask, prefixOf, type IpFamily, type Prefix } from '../prefix/prefix';

/**
 * One value stored under a prefix; several keys may share a prefix (equal CIDRs of two
 * clusters). Results hand out the stored entries themselves, so a lookup allocates nothing per
 * match: they are read-only.
 */
export interface PrefixEntry<V> {
  readonly prefix: Prefix;
  readonly key: string;
  readonly value: V;
}

/**
 * A node of the path-compressed binary trie. A node exists for every stored prefix and for
 * every branching point between stored prefixes (a "glue" node without entries), never for a
 * run of single-child bits, so a walk visits at most one node per distinct prefix on the path.
 */
interface TrieNode<V> {
  readonly prefix: Prefix;
  /** prefix.base's network part as a mask: (address & netMask) === prefix.base tests containment. */
  readonly netMask: bigint;
  /** The first host bit, which picks the child; 0n for a full-length prefix (no children). */
  readonly branchBit: bigint;
  /** Few per prefix (usually one), so an array searched by key is lighter than a Map. */
  entries: PrefixEntry<V>[] | undefined;
  readonly children: [TrieNode<V> | undefined, TrieNode<V> | undefined];
}

/** Per family and length, computed once rather than per node: the network mask and the branch bit. */
function maskTable(family: IpFamily) {
  const bits = addressBits(family);
  return Array.from({ length: bits + 1 }, (_, length) => ({
    netMask: ~hostMask(family, length),
    branchBit: length === bits ? 0n : 1n << BigInt(bits - length - 1),
  }));
}
const MASKS: Record<IpFamily, readonly { netMask: bigint; branchBit: bigint }[]> = {
  4: maskTable(4),
  6: maskTable(6),
};

function newNode<V>(prefix: Prefix): TrieNode<V> {
  const { netMask, branchBit } = MASKS[prefix.family][prefix.length]!;
  return {
    prefix,
    netMask,
    branchBit,
    entries: undefined,
    children: [undefined, undefined],
  };
}

function childSide(node: TrieNode<unknown>, address: bigint): 0 | 1 {
  return (address & node.branchBit) === 0n ? 0 : 1;
}

function nodeContains(node: TrieNode<unknown>, p: Prefix): boolean {
  return node.prefix.length <= p.length && (p.base & node.netMask) === node.prefix.base;
}

/** Length of the common leading part of two addresses, at most `limit` bits. */
function commonLength(family: IpFamily, a: bigint, b: bigint, limit: number): number {
  const differing = a ^ b;
  const common = differing === 0n ? addressBits(family) : addressBits(family) - differing.toString(2).length;
  return Math.min(common, limit);
}

/**
 * Longest-prefix-match index over IPv4 and IPv6 (one trie per family), keyed entries per prefix.
 * Lookups walk from the root: O(number of distinct prefixes on the path), a few bigint masks
 * each, no allocation beyond the result.
 */
export class PrefixTrie<V> {
  private readonly roots: Record<IpFamily, TrieNode<V>> = {
    4: newNode({ family: 4, base: 0n, length: 0 }),
    6: newNode({ family: 6, base: 0n, length: 0 }),
  };
  private count = 0;

  /** Number of entries (not prefixes). */
  get size(): number {
    return this.count;
  }

  /** Stores `value` under (prefix, key), replacing what that key held at that prefix. */
  set(prefix: Prefix, key: string, value: V): void {
    const node = this.nodeFor(prefix);
    const entry = { prefix: node.prefix, key, value };
    node.entries ??= [];
    const at = node.entries.findIndex((e) => e.key === key);
    if (at < 0) {
      node.entries.push(entry);
      this.count++;
    } else {
      node.entries[at] = entry;
    }
  }

  get(prefix: Prefix, key: string): V | undefined {
    return this.find(prefix)?.entries?.find((e) => e.key === key)?.value;
  }

  /** Entries stored under exactly this prefix. */
  at(prefix: Prefix): PrefixEntry<V>[] {
    const node = this.find(prefix);
    return node ? entriesOf(node, []) : [];
  }

  delete(prefix: Prefix, key: string): boolean {
    const path: TrieNode<V>[] = [];
    let node: TrieNode<V> | undefined = this.roots[prefix.family];
    while (node && node.prefix.length < prefix.length && nodeContains(node, prefix)) {
      path.push(node);
      node = node.children[childSide(node, prefix.base)];
    }
    if (!node || node.prefix.length !== prefix.length || node.prefix.base !== prefix.base) return false;
    const entries = node.entries;
    const at = entries ? entries.findIndex((e) => e.key === key) : -1;
    if (!entries || at < 0) return false;
    entries.splice(at, 1);
    this.count--;
    if (entries.length === 0) node.entries = undefined;
    this.compact(node, path);
    return true;
  }

  /** Every entry whose prefix contains the address, most specific first. */
  match(family: IpFamily, address: bigint): PrefixEntry<V>[] {
    const path: TrieNode<V>[] = [];
    let node: TrieNode<V> | undefined = this.roots[family];
    while (node && (address & node.netMask) === node.prefix.base) {
      if (node.entries) path.push(node);
      node = node.children[childSide(node, address)];
    }
    const out: PrefixEntry<V>[] = [];
    for (let i = path.length - 1; i >= 0; i--) entriesOf(path[i]!, out);
    return out;
  }

  /** Entries whose prefix contains `prefix` or equals it, most specific first. */
  covering(prefix: Prefix): PrefixEntry<V>[] {
    const path: TrieNode<V>[] = [];
    let node: TrieNode<V> | undefined = this.roots[prefix.family];
    while (node && nodeContains(node, prefix)) {
      if (node.entries) path.push(node);
      node = node.children[childSide(node, prefix.base)];
    }
    const out: PrefixEntry<V>[] = [];
    for (let i = path.length - 1; i >= 0; i--) entriesOf(path[i]!, out);
    return out;
  }

  /** Entries whose prefix lies inside `prefix` or equals it, in address order (enclosing first). */
  coveredBy(prefix: Prefix): PrefixEntry<V>[] {
    const top = this.subtreeOf(prefix);
    return top ? this.collectSubtree(top, []) : [];
  }

  /**
   * Entries whose prefix overlaps `prefix`: two CIDR prefixes overlap exactly when one contains
   * the other, so these are the entries on the path down to `prefix` (most specific first) and
   * then the whole subtree under it, found in one walk.
   */
  overlapping(prefix: Prefix): PrefixEntry<V>[] {
    const above: TrieNode<V>[] = [];
    let node: TrieNode<V> | undefined = this.roots[prefix.family];
    while (node && node.prefix.length < prefix.length && nodeContains(node, prefix)) {
      if (node.entries) above.push(node);
      node = node.children[childSide(node, prefix.base)];
    }
    const out: PrefixEntry<V>[] = [];
    for (let i = above.length - 1; i >= 0; i--) entriesOf(above[i]!, out);
    if (!node || (node.prefix.base & ~hostMask(prefix.family, prefix.length)) !== prefix.base) return out;
    return this.collectSubtree(node, out);
  }

  /** Every entry at or below `top`, in address order (depth first, the 0 side first). */
  private collectSubtree(top: TrieNode<V>, out: PrefixEntry<V>[]): PrefixEntry<V>[] {
    if (!top.children[0] && !top.children[1]) return entriesOf(top, out);
    const stack: TrieNode<V>[] = [top];
    while (stack.length > 0) {
      const node = stack.pop()!;
      entriesOf(node, out);
      if (node.children[1]) stack.push(node.children[1]);
      if (node.children[0]) stack.push(node.children[0]);
    }
    return out;
  }

  /** The highest node inside `prefix`: every node below it is inside too. */
  private subtreeOf(prefix: Prefix): TrieNode<V> | undefined {
    let node: TrieNode<V> | undefined = this.roots[prefix.family];
    while (node && node.prefix.length < prefix.length) {
      if (!nodeContains(node, prefix)) return undefined;
      node = node.children[childSide(node, prefix.base)];
    }
    if (!node) return undefined;
    return (node.prefix.base & ~hostMask(prefix.family, prefix.length)) === prefix.base ? node : undefined;
  }

  private find(prefix: Prefix): TrieNode<V> | undefined {
    const node = this.subtreeOf(prefix);
    return node && node.prefix.length === prefix.length ? node : undefined;
  }

  /** The node for exactly this prefix, created (splitting an edge if needed) when missing. */
  private nodeFor(prefix: Prefix): TrieNode<V> {
    let node = this.roots[prefix.family];
    for (;;) {
      if (node.prefix.length === prefix.length) return node;
      const side = childSide(node, prefix.base);
      const child = node.children[side];
      if (!child) return (node.children[side] = newNode(prefix));
      if (nodeContains(child, prefix)) {
        node = child;
        continue;
      }
      const leaf = newNode<V>(prefix);
      if (nodeContains(leaf, child.prefix)) {
        // The new prefix encloses the child: it goes in between.
        leaf.children[childSide(leaf, child.prefix.base)] = child;
        node.children[side] = leaf;
        return leaf;
      }
      // They diverge below `node`: a glue node at their common prefix holds both.
      const length = commonLength(prefix.family, prefix.base, child.prefix.base, prefix.length);
      const glue = newNode<V>(prefixOf(prefix.family, prefix.base, length));
      glue.children[childSide(glue, prefix.base)] = leaf;
      glue.children[childSide(glue, child.prefix.base)] = child;
      node.children[side] = glue;
      return leaf;
    }
  }

  /** Removes nodes left with no entries and fewer than two children, from `node` up. */
  private compact(node: TrieNode<V>, path: TrieNode<V>[]): void {
    let current = node;
    for (let i = path.length - 1; i >= 0; i--) {
      if (current.entries) return;
      const [left, right] = current.children;
      if (left && right) return;
      const parent = path[i]!;
      parent.children[parent.children[0] === current ? 0 : 1] = left ?? right;
      current = parent;
    }
  }
}

function entriesOf<V>(node: TrieNode<V>, out: PrefixEntry<V>[]): PrefixEntry<V>[] {
  if (node.entries) for (const entry of node.entries) out.push(entry);
  return out;
}
