// Interned attribute sets: routes with equal attributes (next hop included) share one object, so
// the Adj-RIB-Out compares them by identity and groups NLRI per object (RFC 4271 §9.2: NLRI that
// share path attributes may share an UPDATE).
import type { Afi, Origin } from '../codec/types';
import {
  addressAfi,
  canonicalAddress,
  type DesiredRoute,
  type PathOptions,
  RouteInputError,
} from './route-input';

export interface AttributeSet {
  /** Canonical text of everything below: equal keys ⇔ equal attribute sets. */
  readonly key: string;
  readonly afi: Afi;
  readonly nextHop: string;
  readonly origin: Origin;
  readonly localPref?: number;
  readonly med?: number;
  /** Sorted, without duplicates. */
  readonly communities: readonly number[];
  readonly largeCommunities: readonly (readonly [number, number, number])[];
}

function isUint32(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
}

function canonicalSet(nextHop: string, options: PathOptions | undefined, prefix: string): AttributeSet {
  const afi = addressAfi(nextHop);
  if (afi === undefined) throw new RouteInputError(`next hop "${nextHop}" is not an address`, prefix);
  const origin = options?.origin ?? 'igp';
  if (origin !== 'igp' && origin !== 'egp' && origin !== 'incomplete') {
    throw new RouteInputError(`origin "${String(origin)}" is not igp, egp or incomplete`, prefix);
  }
  for (const [name, value] of [
    ['localPref', options?.localPref],
    ['med', options?.med],
  ] as const) {
    if (value !== undefined && !isUint32(value))
      throw new RouteInputError(`${name} ${value} is not a uint32`, prefix);
  }
  const communities = [...new Set(options?.communities ?? [])].sort((a, b) => a - b);
  if (!communities.every(isUint32)) throw new RouteInputError(`a community is not a uint32`, prefix);
  const large = new Map<string, readonly [number, number, number]>();
  for (const c of options?.largeCommunities ?? []) {
    if (c.length !== 3 || !c.every(isUint32)) {
      throw new RouteInputError(`large community ${JSON.stringify(c)} is not three uint32`, prefix);
    }
    large.set(c.join(':'), [c[0], c[1], c[2]]);
  }
  const largeCommunities = [...large.values()].sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  const hop = canonicalAddress(nextHop);
  const key = [
    hop,
    origin,
    options?.localPref ?? '',
    options?.med ?? '',
    communities.join(','),
    largeCommunities.map((c) => c.join(':')).join(','),
  ].join('|');
  return {
    key,
    afi,
    nextHop: hop,
    origin,
    ...(options?.localPref !== undefined ? { localPref: options.localPref } : {}),
    ...(options?.med !== undefined ? { med: options.med } : {}),
    communities,
    largeCommunities,
  };
}

/** Stands for "no options given" in the identity cache. */
const NO_OPTIONS: PathOptions = Object.freeze({});

interface CacheEntry {
  map: Map<string, WeakRef<AttributeSet>>;
  key: string;
}

/**
 * Hands out one AttributeSet per distinct set of attributes. The common case, many routes passing
 * the same options object, is a lookup by identity; only a new (options, next hop) pair pays for
 * the canonical key. Sets no route refers to any more are garbage-collected, and so are their
 * cache entries.
 */
export class AttributeSetInterner {
  private readonly byKey = new Map<string, WeakRef<AttributeSet>>();
  private readonly byOptions = new WeakMap<PathOptions, Map<string, WeakRef<AttributeSet>>>();
  private readonly forget = new FinalizationRegistry<CacheEntry>(({ map, key }) => {
    if (map.get(key)?.deref() === undefined) map.delete(key);
  });

  intern(route: DesiredRoute, prefix = ''): AttributeSet {
    if (typeof route?.nextHop !== 'string') {
      throw new RouteInputError(`the route of ${prefix} has no next hop`, prefix);
    }
    const options = route.attributes ?? NO_OPTIONS;
    let perHop = this.byOptions.get(options);
    if (!perHop) {
      perHop = new Map();
      this.byOptions.set(options, perHop);
    }
    const hit = perHop.get(route.nextHop)?.deref();
    if (hit) return hit;
    const candidate = canonicalSet(route.nextHop, route.attributes, prefix);
    let set = this.byKey.get(candidate.key)?.deref();
    if (!set) {
      set = candidate;
      this.remember(this.byKey, set.key, set);
    }
    this.remember(perHop, route.nextHop, set);
    return set;
  }

  /** Distinct attribute sets still referenced (for tests and metrics). */
  get size(): number {
    let alive = 0;
    for (const ref of this.byKey.values()) if (ref.deref()) alive++;
    return alive;
  }

  private remember(map: Map<string, WeakRef<AttributeSet>>, key: string, set: AttributeSet): void {
    map.set(key, new WeakRef(set));
    this.forget.register(set, { map, key });
  }
}
