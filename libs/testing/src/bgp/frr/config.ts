import type { AddressFamily } from '../route';

/** One `neighbor` of FRR's `router bgp`: a session with one peer. */
export interface FrrNeighbor {
  /** The neighbor's address (127.0.0.0/8). FRR matches incoming connections by address. */
  address: string;
  /** The neighbor's BGP port; FRR connects there unless passive. */
  port: number;
  asn: number;
  /** FRR's address for this session (`update-source`); default FrrOptions.address. */
  localAddress?: string;
  /** Only accept connections, never open one; default false. */
  passive?: boolean;
  /** Configured administratively down (`shutdown`), for `enableNeighbor()` later; default false. */
  disabled?: boolean;
  /** Reflect routes to and from this neighbor (RFC 4456); default: true for iBGP neighbors (same ASN). */
  routeReflectorClient?: boolean;
  /** Hold time offered (RFC 4271 §4.2); default 9 s so tests notice a dead peer fast. */
  holdTimeSeconds?: number;
  /** Delay between connection attempts (`timers connect`); default 1 s (FRR's default is 120 s). */
  connectRetrySeconds?: number;
  /**
   * Graceful restart (RFC 4724) with this restart time; default 120 s; false turns the capability
   * off for this neighbor. FRR has one restart time per `router bgp`, so every neighbor that has
   * graceful restart must ask for the same time.
   */
  gracefulRestartSeconds?: number | false;
  /** Families activated for this neighbor; default both. */
  families?: AddressFamily[];
}

export interface FrrOptions {
  /** bgpd's address: where it listens (`-l`) and the local address of its sessions (127.0.0.0/8). */
  address: string;
  /** The port bgpd's BGP listens on (`-p`). */
  port: number;
  /** Default 64511. */
  asn?: number;
  /** BGP identifier, also the cluster id (RFC 4456 §7); default FrrOptions.address. */
  routerId?: string;
  neighbors: FrrNeighbor[];
}

export const FRR_DEFAULT_ASN = 64511;
const DEFAULT_RESTART_SECONDS = 120;

const FAMILY_NAMES: Record<AddressFamily, string> = { ipv4: 'ipv4 unicast', ipv6: 'ipv6 unicast' };

/** The restart time every graceful-restart neighbor shares, or undefined when none has graceful restart. */
function sharedRestartTime(neighbors: readonly FrrNeighbor[]): number | undefined {
  const times = new Set<number>();
  for (const n of neighbors) {
    const time = n.gracefulRestartSeconds ?? DEFAULT_RESTART_SECONDS;
    if (time !== false) times.add(time);
  }
  if (times.size > 1) {
    throw new Error(
      `FRR has one graceful restart time per router bgp; the neighbors ask for ${[...times].join(', ')} s`,
    );
  }
  const [time] = times;
  if (time !== undefined && !(Number.isInteger(time) && time >= 1 && time <= 4095)) {
    throw new Error(`graceful restart time ${time} must be 1..4095 s (RFC 4724 §3)`);
  }
  return time;
}

/** bgpd.conf (FRR 8.4) for a route reflector on loopback that installs nothing in the kernel. */
export function renderFrrConfig(options: FrrOptions): string {
  const asn = options.asn ?? FRR_DEFAULT_ASN;
  const routerId = options.routerId ?? options.address;
  const restartTime = sharedRestartTime(options.neighbors);
  const addresses = new Set<string>();
  for (const n of options.neighbors) {
    if (addresses.has(n.address)) throw new Error(`two FRR neighbors have the address ${n.address}`);
    addresses.add(n.address);
  }
  const router = [
    `bgp router-id ${routerId}`,
    // FRR 8.4 ('traditional' defaults) accepts and sends no eBGP route without a policy (RFC 8212);
    // the harness reflects whatever it gets.
    'no bgp ebgp-requires-policy',
    // Otherwise every neighbor gets IPv4 unicast whatever `families` says; each family is
    // activated explicitly below (MP-BGP, RFC 4760).
    'no bgp default ipv4-unicast',
    // The Restart Time of the capability (RFC 4724 §3) FRR sends to every graceful-restart neighbor.
    ...(restartTime === undefined ? [] : [`bgp graceful-restart restart-time ${restartTime}`]),
  ];
  for (const n of options.neighbors) router.push(...renderNeighbor(options, n));
  for (const family of ['ipv4', 'ipv6'] as const) {
    const active = options.neighbors.filter((n) => (n.families ?? ['ipv4', 'ipv6']).includes(family));
    if (active.length === 0) continue;
    router.push(`address-family ${FAMILY_NAMES[family]}`);
    for (const n of active) {
      router.push(` neighbor ${n.address} activate`);
      if (n.routeReflectorClient ?? n.asn === asn)
        router.push(` neighbor ${n.address} route-reflector-client`);
    }
    router.push('exit-address-family');
  }
  const lines = [
    '! Written by @isthmus/testing (bgp/frr/config.ts).',
    'frr defaults traditional',
    'hostname isthmus-frr',
    // bgpd's own log goes to its stdout, which the harness keeps for error messages.
    'log stdout informational',
    '!',
    `router bgp ${asn}`,
    ...router.map((line) => ` ${line}`),
    'exit',
    '!',
  ];
  return `${lines.join('\n')}\n`;
}

function renderNeighbor(options: FrrOptions, n: FrrNeighbor): string[] {
  const asn = options.asn ?? FRR_DEFAULT_ASN;
  const hold = n.holdTimeSeconds ?? 9;
  const at = `neighbor ${n.address}`;
  // Neighbors that come and go in quick succession are the point of these tests: FRR's timers
  // (connect retry 120 s, keepalive 60 s / hold 180 s) are for real networks.
  const lines = [
    `${at} remote-as ${n.asn}`,
    `${at} port ${n.port}`,
    `${at} update-source ${n.localAddress ?? options.address}`,
    `${at} timers ${Math.max(1, Math.floor(hold / 3))} ${hold}`,
    `${at} timers connect ${n.connectRetrySeconds ?? 1}`,
    // RFC 4271 §9.2.1.1's MinRouteAdvertisementIntervalTimer; 0 sends every change at once.
    `${at} advertisement-interval 0`,
    ...(n.passive ? [`${at} passive`] : []),
    ...(n.disabled ? [`${at} shutdown`] : []),
    // Per neighbor: full graceful restart (restarting and receiving speaker) as BIRD's
    // `graceful restart on` and gobgpd's `enabled` are, or none at all.
    n.gracefulRestartSeconds === false ? `${at} graceful-restart-disable` : `${at} graceful-restart`,
  ];
  if (n.asn !== asn) {
    // Without zebra bgpd knows no interface, so an eBGP neighbor one hop away is never
    // "connected" and its session never starts; 127.0.0.0/8 is one hop away anyway.
    lines.push(`${at} disable-connected-check`);
  }
  return lines;
}

// bgpd reports a configuration line it refused in its log and carries on without it (and
// `bgpd -C` exits 0 all the same). FRR 8.4's per-neighbor graceful-restart commands take effect
// and yet print "% Invalid value" and return CMD_WARNING_CONFIG_FAILED ("Graceful restart
// configuration changed, reset this peer to take effect" is the real message); the harness checks
// their effect on the session instead (localGrMode in `show bgp neighbors json`).
const REFUSED_LINE =
  /(?:No such command|Command returned [^:]*Failed|Config Failed|Error) on config line (\d+): *(.*)$/;
const FALSELY_REFUSED = /^neighbor \S+ graceful-restart(?:-disable|-helper)?$/;

/** The configuration lines bgpd's log says it refused, as "line N: text", except FRR 8.4's false alarms. */
export function refusedConfigLines(log: string): string[] {
  const refused = new Set<string>();
  for (const line of log.split('\n')) {
    const match = REFUSED_LINE.exec(line);
    if (!match) continue;
    const text = (match[2] ?? '').trim();
    if (FALSELY_REFUSED.test(text)) continue;
    refused.add(`line ${match[1]}: ${text}`);
  }
  return [...refused];
}
