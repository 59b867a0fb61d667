import { formatCommunity, type PeerRoute, type RouteOrigin } from '../route';

// `gobgp global rib -a ipv4|ipv6 -j` (gobgp 3.10): an object keyed by prefix, each a list of
// paths; each path's attributes are gobgp's JSON forms of its packet/bgp attribute types, keyed
// by the RFC 4271 §5 / IANA attribute type code.
interface GobgpAttributeJson {
  type: number;
  value?: unknown;
  nexthop?: string;
  metric?: number;
  communities?: number[];
  as_paths?: { segment_type: number; asns: number[] }[];
  address?: string[];
}

interface GobgpPathJson {
  nlri?: { prefix?: string };
  attrs?: GobgpAttributeJson[];
  stale?: boolean;
  best?: boolean;
  'neighbor-ip'?: string;
  'source-id'?: string;
}

export type GobgpRibJson = Record<string, GobgpPathJson[]>;

const ORIGINS: RouteOrigin[] = ['igp', 'egp', 'incomplete'];

/** Attribute type codes (RFC 4271 §5, RFC 1997, RFC 4456, RFC 4760, RFC 8092). */
const ORIGIN = 1;
const AS_PATH = 2;
const NEXT_HOP = 3;
const MULTI_EXIT_DISC = 4;
const LOCAL_PREF = 5;
const COMMUNITIES = 8;
const ORIGINATOR_ID = 9;
const CLUSTER_LIST = 10;
const MP_REACH_NLRI = 14;
const LARGE_COMMUNITY = 32;

/** The best path of each prefix, in the harness's route shape. */
export function parseGobgpRib(json: GobgpRibJson): PeerRoute[] {
  const routes: PeerRoute[] = [];
  for (const [prefix, paths] of Object.entries(json)) {
    const path = paths.find((p) => p.best) ?? paths[0];
    if (path) routes.push(toRoute(path.nlri?.prefix ?? prefix, path));
  }
  return routes;
}

function toRoute(prefix: string, path: GobgpPathJson): PeerRoute {
  const neighbor = path['neighbor-ip'] ?? path['source-id'];
  const route: PeerRoute = {
    prefix,
    nextHop: '',
    origin: undefined,
    asPath: [],
    localPref: undefined,
    med: undefined,
    communities: [],
    largeCommunities: [],
    stale: path.stale ?? false,
    // Omitted for gobgpd's own paths (global rib add; mrt inject from peer entry AS 0).
    fromProtocol: neighbor && neighbor !== '<nil>' ? neighbor : 'local',
  };
  for (const attribute of path.attrs ?? []) {
    switch (attribute.type) {
      case ORIGIN:
        route.origin = ORIGINS[Number(attribute.value)];
        break;
      case AS_PATH:
        route.asPath = (attribute.as_paths ?? []).flatMap((segment) => segment.asns ?? []);
        break;
      case NEXT_HOP:
        route.nextHop = attribute.nexthop ?? '';
        break;
      case MP_REACH_NLRI:
        route.nextHop = attribute.nexthop ?? route.nextHop;
        break;
      case MULTI_EXIT_DISC:
        route.med = attribute.metric;
        break;
      case LOCAL_PREF:
        route.localPref = Number(attribute.value);
        break;
      case COMMUNITIES:
        route.communities = (attribute.communities ?? []).map(formatCommunity);
        break;
      case LARGE_COMMUNITY:
        route.largeCommunities = (
          (attribute.value ?? []) as { ASN: number; LocalData1: number; LocalData2: number }[]
        ).map((c) => `${c.ASN}:${c.LocalData1}:${c.LocalData2}`);
        break;
      case ORIGINATOR_ID:
        route.originatorId = String(attribute.value);
        break;
      case CLUSTER_LIST:
        route.clusterList = (attribute.value as string[] | undefined) ?? attribute.address ?? [];
        break;
    }
  }
  return route;
}

/** gobgp's API enum PeerState.SessionState, which `gobgp neighbor -j` prints as a number. */
const SESSION_STATES = ['UNKNOWN', 'IDLE', 'CONNECT', 'ACTIVE', 'OPENSENT', 'OPENCONFIRM', 'ESTABLISHED'];

export interface GobgpNeighborStatus {
  /** RFC 4271 §8.2.2 state in gobgp's spelling: IDLE ... ESTABLISHED. */
  sessionState: string;
  /** BGP messages gobgpd has sent to / received from the neighbor, by type (update, open, keepalive, notification, ...). */
  messagesSent: Record<string, number>;
  messagesReceived: Record<string, number>;
}

interface GobgpNeighborJson {
  state?: {
    session_state?: number | string;
    messages?: { sent?: Record<string, number>; received?: Record<string, number> };
  };
}

export function parseGobgpNeighbor(json: GobgpNeighborJson): GobgpNeighborStatus {
  const raw = json.state?.session_state ?? 0;
  return {
    sessionState: typeof raw === 'number' ? (SESSION_STATES[raw] ?? `UNKNOWN(${raw})`) : raw.toUpperCase(),
    messagesSent: { ...json.state?.messages?.sent },
    messagesReceived: { ...json.state?.messages?.received },
  };
}
