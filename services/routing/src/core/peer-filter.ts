// A peer's optional filter (`/v1/peers`): which clusters' routes, and which address space, it
// is sent. A reflector for one data centre may take only that data centre's clusters.
import { cidrContains, parseCidr, type Cidr } from '@isthmus/net';
import type { DesiredRouteEntry } from './types';

export interface PeerFilter {
  /** Only routes of these clusters; undefined or empty: every cluster. */
  clusters?: readonly string[];
  /** Only routes inside one of these prefixes; undefined or empty: any prefix. */
  prefixes?: readonly string[];
}

/** A compiled filter: the prefixes parsed once. */
export type RouteFilter = (route: DesiredRouteEntry) => boolean;

export function compileFilter(filter: PeerFilter | undefined): RouteFilter {
  const clusters = filter?.clusters?.length ? new Set(filter.clusters) : undefined;
  const within: Cidr[] | undefined = filter?.prefixes?.length ? filter.prefixes.map(parseCidr) : undefined;
  if (!clusters && !within) return () => true;
  return (route) => {
    if (clusters && !clusters.has(route.cluster)) return false;
    if (!within) return true;
    const prefix = parseCidr(route.prefix);
    return within.some((outer) => cidrContains(outer, prefix));
  };
}

/** The routes a peer with this filter should have. */
export function routesForPeer(
  routes: ReadonlyMap<string, DesiredRouteEntry>,
  filter: RouteFilter,
): Map<string, DesiredRouteEntry> {
  const out = new Map<string, DesiredRouteEntry>();
  for (const [prefix, route] of routes) if (filter(route)) out.set(prefix, route);
  return out;
}
