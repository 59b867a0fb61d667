// The desired routes: what the caller wants advertised, as interned attribute sets. Adj-RIB-Outs
// subscribe to it and learn which prefixes changed, so a delta costs what changed, not the table.
import type { Prefix } from '../codec/types';
import type { AttributeSet, AttributeSetInterner } from './attribute-set';
import { checkRoute, type DesiredRoute } from './route-input';

/** Which prefixes changed. */
export type TableChange = readonly Prefix[];

export class RouteTable {
  private routes = new Map<Prefix, AttributeSet>();
  private readonly listeners = new Set<(change: TableChange) => void>();

  constructor(private readonly interner: AttributeSetInterner) {}

  /**
   * Replaces every route. Validates all of them first: on error nothing changes. The table is
   * updated in place and subscribers learn exactly which prefixes changed, so handing in the
   * whole desired table on every reconcile (level-based) costs lookups, not a full re-send.
   */
  replace(desired: ReadonlyMap<Prefix, DesiredRoute>): void {
    // Grown by push: `new Array(n)` of a large n gets slow dictionary elements in V8.
    const sets: AttributeSet[] = [];
    const current: (AttributeSet | undefined)[] = [];
    // The first table (the common case at start) has nothing to compare with.
    const empty = this.routes.size === 0;
    for (const [prefix, route] of desired) {
      const set = this.interner.intern(route, prefix);
      const existing = empty ? undefined : this.routes.get(prefix);
      // A prefix already in the table was checked when it came in; only its family can differ.
      if (existing === undefined || existing.afi !== set.afi) checkRoute(prefix, route, set.afi);
      sets.push(set);
      current.push(existing);
    }
    const changed: Prefix[] = [];
    let i = 0;
    for (const prefix of desired.keys()) {
      if (current[i] !== sets[i]) {
        this.routes.set(prefix, sets[i]!);
        changed.push(prefix);
      }
      i++;
    }
    // Every desired prefix is in the table now: anything beyond is no longer wanted.
    if (this.routes.size > desired.size) {
      for (const prefix of this.routes.keys()) {
        if (!desired.has(prefix)) {
          this.routes.delete(prefix);
          changed.push(prefix);
        }
      }
    }
    if (changed.length > 0) this.emit(changed);
  }

  /** Adds or changes routes. Validates all of them first: on error nothing changes. */
  upsert(routes: Iterable<readonly [Prefix, DesiredRoute]>): void {
    const sets: [Prefix, AttributeSet][] = [];
    for (const [prefix, route] of routes) {
      const set = this.interner.intern(route, prefix);
      checkRoute(prefix, route, set.afi);
      sets.push([prefix, set]);
    }
    const changed: Prefix[] = [];
    for (const [prefix, set] of sets) {
      if (this.routes.get(prefix) === set) continue;
      this.routes.set(prefix, set);
      changed.push(prefix);
    }
    if (changed.length > 0) this.emit(changed);
  }

  remove(prefixes: Iterable<Prefix>): void {
    const changed: Prefix[] = [];
    for (const prefix of prefixes) if (this.routes.delete(prefix)) changed.push(prefix);
    if (changed.length > 0) this.emit(changed);
  }

  get(prefix: Prefix): AttributeSet | undefined {
    return this.routes.get(prefix);
  }

  get size(): number {
    return this.routes.size;
  }

  /** The routes as they are now (read-only view; do not keep it across changes). */
  view(): ReadonlyMap<Prefix, AttributeSet> {
    return this.routes;
  }

  subscribe(listener: (change: TableChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: TableChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
