import type { AddressFamily, PeerRoute, RouteOrigin } from '../route';

// The JSON of FRR 8.4's vtysh (bgpd/bgp_route.c route_vty_out_detail, bgpd/bgp_vty.c
// bgp_show_peer), as `show bgp ipv4|ipv6 unicast json detail` and `show bgp neighbors ADDR json`
// print it. Only the fields the harness reads are typed.

interface FrrPathJson {
  aspath?: { string?: string; segments?: { type?: string; list?: number[] }[] };
  origin?: string;
  metric?: number;
  locPrf?: number;
  valid?: boolean;
  stale?: boolean;
  bestpath?: { overall?: boolean };
  community?: { list?: string[] };
  largeCommunity?: { list?: string[] };
  originatorId?: string;
  clusterList?: { list?: string[] };
  nexthops?: { ip?: string; afi?: string; scope?: string }[];
  peer?: { peerId?: string };
}

/**
 * `show bgp ... json detail`: each prefix maps to a list whose first element describes the
 * prefix (`{prefix, version, advertisedTo}`) and whose other elements are its paths.
 */
export interface FrrRouteTableJson {
  routes?: Record<string, FrrPathJson[]>;
}

const ORIGINS: Record<string, RouteOrigin> = { IGP: 'igp', EGP: 'egp', incomplete: 'incomplete' };

// FRR lists the well-known communities by name (lib/community.c; in the JSON list camel-cased,
// unlike the "string" form's "no-export"), gobgp and BIRD as numbers: back to "asn:value" so
// every peer's routes compare. RFC 1997 (no-export, no-advertise, local-AS = NO_EXPORT_SUBCONFED),
// RFC 3765 (no-peer), RFC 7611 (accept-own), RFC 7999 (blackhole), RFC 8326 (graceful-shutdown),
// RFC 9494 (llgr-stale, no-llgr), and IANA's route-filter and accept-own-nexthop values.
const WELL_KNOWN_COMMUNITIES: Record<string, string> = {
  internet: '0:0',
  gracefulShutdown: '65535:0',
  acceptown: '65535:1',
  routeFilterTranslatedV4: '65535:2',
  routeFilterV4: '65535:3',
  routeFilterTranslatedV6: '65535:4',
  routeFilterV6: '65535:5',
  llgrStale: '65535:6',
  noLlgr: '65535:7',
  acceptownnexthop: '65535:8',
  blackhole: '65535:666',
  noExport: '65535:65281',
  noAdvertise: '65535:65282',
  localAs: '65535:65283',
  noPeer: '65535:65284',
};

const isPath = (entry: FrrPathJson): boolean => entry.nexthops !== undefined || entry.aspath !== undefined;

/** The best path of each prefix (or its first path when none is best), in the harness's route shape. */
export function parseFrrRoutes(json: FrrRouteTableJson): PeerRoute[] {
  const routes: PeerRoute[] = [];
  for (const [prefix, entries] of Object.entries(json.routes ?? {})) {
    const paths = entries.filter(isPath);
    const path = paths.find((p) => p.bestpath?.overall) ?? paths[0];
    if (path) routes.push(toRoute(prefix, path));
  }
  return routes;
}

/** Prefixes in a table, from `show bgp ... json` (with or without detail). */
export function countFrrPrefixes(json: FrrRouteTableJson): number {
  return Object.keys(json.routes ?? {}).length;
}

function toRoute(prefix: string, path: FrrPathJson): PeerRoute {
  const nexthops = path.nexthops ?? [];
  // IPv6: a global next hop and, when the neighbor sent one, a link-local one (RFC 2545 §3).
  const nextHop = nexthops.find((n) => n.scope === 'global') ?? nexthops[0];
  const route: PeerRoute = {
    prefix,
    nextHop: nextHop?.ip ?? '',
    origin: path.origin === undefined ? undefined : ORIGINS[path.origin],
    asPath: (path.aspath?.segments ?? []).flatMap((segment) => segment.list ?? []),
    localPref: path.locPrf,
    med: path.metric,
    communities: (path.community?.list ?? []).map((c) => WELL_KNOWN_COMMUNITIES[c] ?? c),
    largeCommunities: [...(path.largeCommunity?.list ?? [])],
    // FRR marks each path kept for a neighbor in graceful restart (RFC 4724 §4.2) itself, and
    // clears the flag path by path as the neighbor re-announces them: exact, unlike BIRD's.
    stale: path.stale ?? false,
    fromProtocol: path.peer?.peerId ?? 'local',
  };
  if (path.originatorId !== undefined) route.originatorId = path.originatorId;
  if (path.clusterList?.list !== undefined) route.clusterList = [...path.clusterList.list];
  return route;
}

export interface FrrMessageCounts {
  open: number;
  update: number;
  keepalive: number;
  notification: number;
  routeRefresh: number;
}

export interface FrrNeighborStatus {
  address: string;
  /**
   * The RFC 4271 §8.2.2 state as FRR names it: Idle, Connect, Active, OpenSent, OpenConfirm,
   * Established (and FRR's own Clearing, Deleted).
   */
  state: string;
  remoteAsn: number | undefined;
  /** Graceful restart mode of FRR for this neighbor: Restart, Helper or Disable. */
  localGracefulRestartMode: string | undefined;
  /** What the neighbor's capability said: Restart, Helper, Disable or NotApplicable (no session yet). */
  remoteGracefulRestartMode: string | undefined;
  /**
   * Seconds left on the restart timer (RFC 4724 §4.2) while FRR keeps the routes of a neighbor
   * whose session ended without NOTIFICATION and has not come back; undefined otherwise.
   */
  restartTimerRemainingSeconds: number | undefined;
  /** Families whose End-of-RIB (RFC 4724 §2) FRR has received on the current session. */
  endOfRibReceived: AddressFamily[];
  /** Families whose End-of-RIB FRR has sent on the current session. */
  endOfRibSent: AddressFamily[];
  /** Prefixes accepted from the neighbor, per activated family. */
  acceptedPrefixes: Partial<Record<AddressFamily, number>>;
  messagesSent: FrrMessageCounts;
  messagesReceived: FrrMessageCounts;
  connectionsEstablished: number;
  connectionsDropped: number;
  /** Why the last session ended, in FRR's words ("NSF peer closed the session", "Notification received (Cease)"). */
  lastResetDueTo: string | undefined;
}

interface FrrFamilyFlags {
  ipv4Unicast?: boolean;
  ipv6Unicast?: boolean;
}

interface FrrNeighborJson {
  remoteAs?: number;
  bgpState?: string;
  gracefulRestartInfo?: {
    endOfRibSend?: FrrFamilyFlags;
    endOfRibRecv?: FrrFamilyFlags;
    localGrMode?: string;
    remoteGrMode?: string;
    gracefulRestartTimerMsecs?: number;
  };
  messageStats?: Record<string, number>;
  addressFamilyInfo?: {
    ipv4Unicast?: { acceptedPrefixCounter?: number };
    ipv6Unicast?: { acceptedPrefixCounter?: number };
  };
  connectionsEstablished?: number;
  connectionsDropped?: number;
  lastResetDueTo?: string;
}

/** `show bgp neighbors ADDR json`: an object keyed by the neighbor's address. */
export type FrrNeighborsJson = Record<string, FrrNeighborJson | boolean>;

const FAMILY_KEYS: Record<AddressFamily, 'ipv4Unicast' | 'ipv6Unicast'> = {
  ipv4: 'ipv4Unicast',
  ipv6: 'ipv6Unicast',
};
const FAMILIES: AddressFamily[] = ['ipv4', 'ipv6'];

const families = (flags: FrrFamilyFlags | undefined): AddressFamily[] =>
  FAMILIES.filter((family) => flags?.[FAMILY_KEYS[family]] === true);

function counts(stats: Record<string, number> | undefined, direction: 'Sent' | 'Recv'): FrrMessageCounts {
  const get = (name: string): number => stats?.[`${name}${direction}`] ?? 0;
  return {
    open: get('opens'),
    update: get('updates'),
    keepalive: get('keepalives'),
    notification: get('notifications'),
    routeRefresh: get('routeRefresh'),
  };
}

/** The neighbor `address` from `show bgp neighbors ADDR json`; throws when FRR does not know it. */
export function parseFrrNeighbor(json: FrrNeighborsJson, address: string): FrrNeighborStatus {
  const neighbor = json[address];
  if (typeof neighbor !== 'object') {
    throw new Error(`FRR has no neighbor ${address}: ${JSON.stringify(json)}`);
  }
  const gr = neighbor.gracefulRestartInfo;
  const accepted: Partial<Record<AddressFamily, number>> = {};
  for (const family of FAMILIES) {
    const counter = neighbor.addressFamilyInfo?.[FAMILY_KEYS[family]]?.acceptedPrefixCounter;
    if (counter !== undefined) accepted[family] = counter;
  }
  return {
    address,
    state: neighbor.bgpState ?? 'unknown',
    remoteAsn: neighbor.remoteAs,
    // "Restart*": the mode comes from the global setting, not the neighbor's own line.
    localGracefulRestartMode: gr?.localGrMode?.replace(/\*$/, ''),
    remoteGracefulRestartMode: gr?.remoteGrMode,
    restartTimerRemainingSeconds:
      gr?.gracefulRestartTimerMsecs === undefined ? undefined : gr.gracefulRestartTimerMsecs / 1000,
    endOfRibReceived: families(gr?.endOfRibRecv),
    endOfRibSent: families(gr?.endOfRibSend),
    acceptedPrefixes: accepted,
    messagesSent: counts(neighbor.messageStats, 'Sent'),
    messagesReceived: counts(neighbor.messageStats, 'Recv'),
    connectionsEstablished: neighbor.connectionsEstablished ?? 0,
    connectionsDropped: neighbor.connectionsDropped ?? 0,
    lastResetDueTo: neighbor.lastResetDueTo,
  };
}
