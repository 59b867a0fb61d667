import type { PeerRoute, RouteOrigin } from '../route';
import type { BirdReplyLine } from './reply';

// Parses BIRD 2.0.12's `show route all` (nest/rt-show.c rt_show_rte + proto/bgp/attrs.c).
// A route's first line:
//   10.9.0.0/24          unreachable [gobgp1 2026-11-21 23:44:20.371372 from 127.0.0.22] * (100) [AS65002e]
//   <prefix, or blanks for another route to the same prefix> <destination> [<protocol> <time>
//   from <neighbor>] <* primary | ! kernel sync error> (<preference><flags>[/<metric>]) [<origin AS><i|e|?>]
// where the flags after the preference are '-' (suppressed) and 's' (stale, bgp_get_route_info).
// Then, tab-indented: `via <gw> on <iface>` lines for unicast routes, `Type: ...`, and one
// `BGP.<attribute>: <value>` line per attribute.
const ROUTE_LINE =
  /^(\S*)\s+(\S+)\s+\[(\S+) ([^\]]*?)(?: from (\S+))?\](?: ([*!]))?\s+\((\d+)([^)/]*)(?:\/[^)]*)?\)(?:\s+\[[^\]]*\])?\s*$/;

const ORIGINS: Record<string, RouteOrigin> = { IGP: 'igp', EGP: 'egp', Incomplete: 'incomplete' };

export interface BirdRouteRow extends PeerRoute {
  /** When BIRD last changed the route (`timeformat route`), as BIRD printed it. */
  changedAt: string;
  /** True for the preferred route of its prefix ('*'). */
  primary: boolean;
}

/**
 * Routes from the reply lines of `show route all`. `stale` is set from BIRD's 's' flag only,
 * which BIRD 2.0.12 prints for long-lived-stale routes (RFC 9494); see `markGracefulRestartStale`
 * for routes kept by an ordinary graceful restart.
 */
export function parseShowRouteAll(lines: readonly BirdReplyLine[]): BirdRouteRow[] {
  const routes: BirdRouteRow[] = [];
  let current: BirdRouteRow | undefined;
  let prefix = '';
  for (const { text } of lines) {
    if (text.startsWith('\t')) {
      if (current) applyAttributeLine(current, text.slice(1));
      continue;
    }
    if (text === '' || /^Table \S+:$/.test(text)) continue;
    const match = ROUTE_LINE.exec(text);
    if (!match) throw new Error(`unexpected line in BIRD's show route output: ${JSON.stringify(text)}`);
    if (match[1]) prefix = match[1];
    current = {
      prefix,
      nextHop: '',
      origin: undefined,
      asPath: [],
      localPref: undefined,
      med: undefined,
      communities: [],
      largeCommunities: [],
      stale: (match[8] ?? '').includes('s'),
      fromProtocol: match[3] ?? '',
      changedAt: match[4] ?? '',
      primary: match[6] === '*',
    };
    routes.push(current);
  }
  return routes;
}

function applyAttributeLine(route: BirdRouteRow, line: string): void {
  const via = /^via (\S+)/.exec(line);
  if (via) {
    // The resolved gateway; BGP.next_hop below, when present, is the attribute itself.
    route.nextHop ||= via[1] ?? '';
    return;
  }
  const attribute = /^BGP\.(\w+):\s?(.*)$/.exec(line);
  if (!attribute) return;
  const value = (attribute[2] ?? '').trim();
  switch (attribute[1]) {
    case 'origin':
      route.origin = ORIGINS[value];
      break;
    case 'as_path':
      // Segments print as numbers; AS_SETs in braces ("{65001 65002}").
      route.asPath = (value.match(/\d+/g) ?? []).map(Number);
      break;
    case 'next_hop':
      // IPv6 next hops may be "global link-local"; the global one is the route's next hop.
      route.nextHop = value.split(/\s+/)[0] ?? '';
      break;
    case 'med':
      route.med = Number(value);
      break;
    case 'local_pref':
      route.localPref = Number(value);
      break;
    case 'community':
      route.communities = [...value.matchAll(/\((\d+),\s*(\d+)\)/g)].map((m) => `${m[1]}:${m[2]}`);
      break;
    case 'large_community':
      route.largeCommunities = [...value.matchAll(/\((\d+),\s*(\d+),\s*(\d+)\)/g)].map(
        (m) => `${m[1]}:${m[2]}:${m[3]}`,
      );
      break;
    case 'originator_id':
      route.originatorId = value;
      break;
    case 'cluster_list':
      route.clusterList = value.split(/\s+/).filter(Boolean);
      break;
  }
}

/** The first number of `show route count`'s "N of M routes for K networks in table T" line for `table`. */
export function parseRouteCount(lines: readonly BirdReplyLine[], table: string): number {
  for (const { text } of lines) {
    const match = /^(\d+) of \d+ routes for \d+ networks in table (\S+)$/.exec(text);
    if (match && match[2] === table) return Number(match[1]);
  }
  throw new Error(`no count for table ${table} in: ${lines.map((l) => l.text).join(' | ')}`);
}

/** The times of `show route` rows (without `all`), for the last-change timestamp of a table. */
export function parseRouteChangeTimes(lines: readonly BirdReplyLine[]): string[] {
  const times: string[] = [];
  for (const { text } of lines) {
    if (text.startsWith('\t') || text === '' || /^Table \S+:$/.test(text)) continue;
    const match = ROUTE_LINE.exec(text);
    if (match?.[4]) times.push(match[4]);
  }
  return times;
}
