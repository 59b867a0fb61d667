import type { AddressFamily } from '../route';

export interface GobgpdNeighbor {
  /** The neighbor's address (127.0.0.0/8). */
  address: string;
  /** The neighbor's BGP port; gobgpd connects there unless passive. */
  port: number;
  asn: number;
  /** gobgpd's address for this session; default GobgpdOptions.address. */
  localAddress?: string;
  /** Only accept connections (`passive-mode`); default false. */
  passive?: boolean;
  /** Configured administratively down (`admin-down`), for `enableNeighbor()` later; default false. */
  disabled?: boolean;
  /** Reflect routes to this neighbor (RFC 4456); default false. */
  routeReflectorClient?: boolean;
  /** Hold time offered (RFC 4271 §4.2); default 9 s. */
  holdTimeSeconds?: number;
  /**
   * Connect retry and idle hold after a reset; default 1 s (gobgpd waits 30 s after a reset by
   * default). Whatever this says, gobgpd stays IDLE for 5 s after a session ends before it
   * accepts or opens a new one (HOLDTIME_IDLE in its server/fsm.go): a session takes about 5 s
   * to come back after the other side restarts.
   */
  connectRetrySeconds?: number;
  /** Graceful restart capability (RFC 4724 §3) with this restart time; default 30 s; false turns it off. */
  gracefulRestartSeconds?: number | false;
  /** Families negotiated; default both. */
  families?: AddressFamily[];
}

export interface GobgpdOptions {
  /** gobgpd's address: where it listens and the local address of its sessions (127.0.0.0/8). */
  address: string;
  /** The port gobgpd's BGP listens on. */
  port: number;
  asn: number;
  /** BGP identifier; default GobgpdOptions.address. */
  routerId?: string;
  neighbors: GobgpdNeighbor[];
  /** Port of gobgpd's gRPC API on 127.0.0.1; default a free port. */
  apiPort?: number;
}

const FAMILY_NAMES: Record<AddressFamily, string> = { ipv4: 'ipv4-unicast', ipv6: 'ipv6-unicast' };

const str = (value: string): string => JSON.stringify(value);

/** gobgpd 3.x TOML (its `config` package's names). */
export function renderGobgpdConfig(options: GobgpdOptions): string {
  const routerId = options.routerId ?? options.address;
  const lines = [
    '# Written by @isthmus/testing (bgp/gobgpd/config.ts).',
    '[global.config]',
    `  as = ${options.asn}`,
    `  router-id = ${str(routerId)}`,
    `  port = ${options.port}`,
    `  local-address-list = [${str(options.address)}]`,
  ];
  for (const neighbor of options.neighbors) {
    const retry = neighbor.connectRetrySeconds ?? 1;
    const hold = neighbor.holdTimeSeconds ?? 9;
    const restartSeconds = neighbor.gracefulRestartSeconds ?? 30;
    lines.push(
      '',
      '[[neighbors]]',
      '  [neighbors.config]',
      `    neighbor-address = ${str(neighbor.address)}`,
      `    peer-as = ${neighbor.asn}`,
      ...(neighbor.disabled ? ['    admin-down = true'] : []),
      '  [neighbors.transport.config]',
      `    local-address = ${str(neighbor.localAddress ?? options.address)}`,
      `    remote-port = ${neighbor.port}`,
      `    passive-mode = ${neighbor.passive ? 'true' : 'false'}`,
      '  [neighbors.timers.config]',
      `    connect-retry = ${retry}`,
      `    hold-time = ${hold}`,
      `    keepalive-interval = ${Math.max(1, Math.floor(hold / 3))}`,
      `    idle-hold-time-after-reset = ${retry}`,
    );
    if (neighbor.routeReflectorClient) {
      lines.push(
        '  [neighbors.route-reflector.config]',
        '    route-reflector-client = true',
        `    route-reflector-cluster-id = ${str(routerId)}`,
      );
    }
    if (restartSeconds !== false) {
      lines.push(
        '  [neighbors.graceful-restart.config]',
        '    enabled = true',
        `    restart-time = ${restartSeconds}`,
      );
    }
    for (const family of neighbor.families ?? ['ipv4', 'ipv6']) {
      lines.push(
        '  [[neighbors.afi-safis]]',
        '    [neighbors.afi-safis.config]',
        `      afi-safi-name = ${str(FAMILY_NAMES[family])}`,
      );
      // RFC 4724 §3: the families the graceful restart capability lists.
      if (restartSeconds !== false) {
        lines.push('    [neighbors.afi-safis.mp-graceful-restart.config]', '      enabled = true');
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
