import type { AddressFamily } from '../route';

/** One `protocol bgp` block: a session with one neighbor. */
export interface BirdNeighbor {
  /** BIRD's protocol name, a symbol (letters, digits, underscores; not starting with a digit). */
  name: string;
  /** The neighbor's address. Use 127.0.0.0/8 addresses, one per neighbor (BIRD matches incoming connections by address). */
  address: string;
  /** The neighbor's BGP port; BIRD connects there when it is the active side. */
  port: number;
  asn: number;
  /** BIRD's address for this session; default: BirdOptions.address. */
  localAddress?: string;
  /** Reflect routes to and from this neighbor (RFC 4456); default: true for iBGP neighbors (same ASN). */
  routeReflectorClient?: boolean;
  /** Only accept connections, never open one; default false. */
  passive?: boolean;
  /** Start administratively down (`disabled`), for `enableProtocol()` later; default false. */
  disabled?: boolean;
  /** Hold time BIRD offers (RFC 4271 §4.2); default 9 s so tests notice a dead peer fast. */
  holdTimeSeconds?: number;
  /** Delay between connection attempts and after errors; default 1 s (RFC 4271's 120 s is too slow for tests). */
  connectRetrySeconds?: number;
  /** Graceful restart (RFC 4724) as receiving speaker; default true. */
  gracefulRestart?: boolean;
  /** Families negotiated with this neighbor; default both. */
  families?: AddressFamily[];
  /** ADD-PATH (RFC 7911); default 'off'. */
  addPaths?: 'off' | 'rx' | 'tx' | 'on';
  /** Lines added inside the protocol block as they are, for what the options do not cover. */
  extraLines?: string[];
}

export interface BirdOptions {
  /** BIRD's own address: the `local` address of every session (127.0.0.0/8). */
  address: string;
  /** The port BIRD's BGP listens on (`local ... port`), bound to `address` only (`strict bind`). */
  port: number;
  asn: number;
  /** BGP identifier; default BirdOptions.address. */
  routerId?: string;
  neighbors: BirdNeighbor[];
}

/** The IPv4 and IPv6 tables every BIRD of the harness has; `show route` reads these. */
export const BIRD_TABLES: Record<AddressFamily, string> = { ipv4: 'master4', ipv6: 'master6' };

const SYMBOL = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** bird.conf for a route reflector on loopback: tables, one BGP session per neighbor, nothing exported to the kernel. */
export function renderBirdConfig(options: BirdOptions): string {
  const lines = [
    '# Written by @isthmus/testing (bgp/bird/config.ts).',
    'log stderr all;',
    `router id ${options.routerId ?? options.address};`,
    // Microsecond timestamps in `show route` (each route's last change) and `show protocols`
    // (the time of the last state change, e.g. Established) let a benchmark time the table
    // transfer with BIRD's own clock instead of the polling loop's.
    'timeformat route iso long us;',
    'timeformat protocol iso long us;',
    'timeformat base iso long us;',
    'timeformat log iso long us;',
    // Needed for BIRD to know interfaces at all; no `protocol kernel`: nothing reaches the
    // machine's routing table, the next hops are documentation addresses (RFC 5737, RFC 3849).
    'protocol device {}',
    `ipv4 table ${BIRD_TABLES.ipv4};`,
    `ipv6 table ${BIRD_TABLES.ipv6};`,
  ];
  const names = new Set<string>();
  for (const neighbor of options.neighbors) {
    if (!SYMBOL.test(neighbor.name)) throw new Error(`BIRD protocol name "${neighbor.name}" is not a symbol`);
    if (names.has(neighbor.name)) throw new Error(`two BIRD neighbors are named "${neighbor.name}"`);
    names.add(neighbor.name);
    lines.push('', ...renderNeighbor(options, neighbor));
  }
  return `${lines.join('\n')}\n`;
}

function renderNeighbor(options: BirdOptions, neighbor: BirdNeighbor): string[] {
  const retry = neighbor.connectRetrySeconds ?? 1;
  const hold = neighbor.holdTimeSeconds ?? 9;
  const body = [
    ...(neighbor.disabled ? ['disabled;'] : []),
    `local ${neighbor.localAddress ?? options.address} port ${options.port} as ${options.asn};`,
    `neighbor ${neighbor.address} port ${neighbor.port} as ${neighbor.asn};`,
    // Listen on the local address only, so several BIRDs on one machine use the same port on
    // different loopback addresses without clashing.
    'strict bind yes;',
    // BIRD treats iBGP as multihop already; for eBGP it would insist on a neighbor on a directly
    // connected network, and it does not count loopback's host-scope addresses as one
    // ("Invalid remote address").
    ...(neighbor.asn === options.asn ? [] : ['multihop;']),
    ...((neighbor.routeReflectorClient ?? neighbor.asn === options.asn) ? ['rr client;'] : []),
    `passive ${neighbor.passive ? 'on' : 'off'};`,
    `graceful restart ${(neighbor.gracefulRestart ?? true) ? 'on' : 'off'};`,
    `hold time ${hold};`,
    `keepalive time ${Math.max(1, Math.floor(hold / 3))};`,
    // BIRD waits 5 s after start before its first connection attempt by default.
    'connect delay time 0;',
    `connect retry time ${retry};`,
    // After an error BIRD waits `error wait time` (60 s to 300 s by default) before reconnecting.
    `error wait time ${retry}, ${retry * 2};`,
  ];
  for (const family of neighbor.families ?? ['ipv4', 'ipv6']) {
    // `next hop keep`: a route reflector passes NEXT_HOP on unchanged (RFC 4456 §10), which is
    // what BIRD does for iBGP anyway; for eBGP neighbors it keeps BIRD out of the way too.
    body.push(
      `${family} { table ${BIRD_TABLES[family]}; import all; export all; next hop keep; add paths ${neighbor.addPaths ?? 'off'}; };`,
    );
  }
  body.push(...(neighbor.extraLines ?? []));
  return [`protocol bgp ${neighbor.name} {`, ...body.map((line) => `  ${line}`), '}'];
}
