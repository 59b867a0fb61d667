import type { BirdReplyLine } from './reply';

// Parses BIRD 2.0.12's `show protocols all` (nest/proto.c, proto/bgp/bgp.c bgp_show_proto_info).
// Code 1002 is a protocol's summary row, code 1006 its indented details:
//   x          BGP        ---        up     2026-11-21 23:44:19.163824  Established
//     BGP state:          Established
//       Neighbor graceful restart active        (while the neighbor is in graceful restart)
//       Restart timer:    28.993/-
//       Last error:       Socket: Connection closed
//     Channel ipv4
//       State:          UP
//       Routes:         1 imported, 0 exported, 1 preferred
//       Route change stats:     received   rejected   filtered    ignored   accepted
//         Import updates:              1          0          0          0          1
//       Neighbor GR:    Regular                 (printed for every channel while any is in GR)

/** Per-route counters of one direction of BIRD's "Route change stats" (routes, not BGP messages). */
export interface BirdRouteChangeStats {
  received: number;
  rejected: number;
  filtered: number;
  ignored: number;
  accepted: number;
}

export interface BirdChannelStatus {
  /** DOWN, START, UP, FLUSHING. */
  state: string;
  importedRoutes: number;
  exportedRoutes: number;
  importUpdates: BirdRouteChangeStats | undefined;
  importWithdraws: BirdRouteChangeStats | undefined;
  /**
   * The neighbor's graceful restart as this channel sees it (bgp_gr_states): 'None', 'Regular'
   * (RFC 4724, routes kept as stale until End-of-RIB or the restart timer), 'Long-lived'.
   * undefined when BIRD prints no GR line, i.e. no channel of the session is in graceful restart.
   */
  neighborGracefulRestart: string | undefined;
}

export interface BirdProtocolStatus {
  name: string;
  /** BIRD's protocol kind: BGP, Device, Static... */
  protocol: string;
  /** BIRD's protocol state: up, start, down, flush. */
  state: string;
  /** Time of the last state change as BIRD printed it; for BGP 'up', when the session became Established. */
  since: string;
  info: string;
  /** RFC 4271 §8.2.2 state as BIRD names it (Idle, Connect, Active, OpenSent, OpenConfirm, Established), for BGP. */
  bgpState: string | undefined;
  lastError: string | undefined;
  neighborGracefulRestartActive: boolean;
  channels: Record<string, BirdChannelStatus>;
}

const SUMMARY = /^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?)\s*(.*)$/;

export function parseShowProtocolsAll(lines: readonly BirdReplyLine[]): BirdProtocolStatus[] {
  const protocols: BirdProtocolStatus[] = [];
  let protocol: BirdProtocolStatus | undefined;
  let channel: BirdChannelStatus | undefined;
  for (const { code, text } of lines) {
    if (code === 1002) {
      const match = SUMMARY.exec(text);
      if (!match) throw new Error(`unexpected protocol row from BIRD: ${JSON.stringify(text)}`);
      protocol = {
        name: match[1] ?? '',
        protocol: match[2] ?? '',
        state: match[4] ?? '',
        since: match[5] ?? '',
        info: (match[6] ?? '').trim(),
        bgpState: undefined,
        lastError: undefined,
        neighborGracefulRestartActive: false,
        channels: {},
      };
      channel = undefined;
      protocols.push(protocol);
      continue;
    }
    if (code !== 1006 || !protocol) continue;
    const line = text.trim();
    const channelStart = /^Channel (\S+)$/.exec(line);
    if (channelStart) {
      channel = {
        state: '',
        importedRoutes: 0,
        exportedRoutes: 0,
        importUpdates: undefined,
        importWithdraws: undefined,
        neighborGracefulRestart: undefined,
      };
      protocol.channels[channelStart[1] ?? ''] = channel;
      continue;
    }
    if (!channel) {
      applyProtocolLine(protocol, line);
      continue;
    }
    applyChannelLine(channel, line);
  }
  return protocols;
}

function applyProtocolLine(protocol: BirdProtocolStatus, line: string): void {
  const field = /^([^:]+):\s*(.*)$/.exec(line);
  if (line === 'Neighbor graceful restart active') protocol.neighborGracefulRestartActive = true;
  else if (field?.[1] === 'BGP state') protocol.bgpState = field[2];
  else if (field?.[1] === 'Last error') protocol.lastError = field[2];
}

function applyChannelLine(channel: BirdChannelStatus, line: string): void {
  const field = /^([^:]+):\s*(.*)$/.exec(line);
  if (!field) return;
  const [, name, value = ''] = field;
  switch (name) {
    case 'State':
      channel.state = value;
      break;
    case 'Routes': {
      channel.importedRoutes = Number(/(\d+) imported/.exec(value)?.[1] ?? 0);
      channel.exportedRoutes = Number(/(\d+) exported/.exec(value)?.[1] ?? 0);
      break;
    }
    case 'Import updates':
      channel.importUpdates = parseStats(value);
      break;
    case 'Import withdraws':
      channel.importWithdraws = parseStats(value);
      break;
    case 'Neighbor GR':
      channel.neighborGracefulRestart = value;
      break;
  }
}

/** "1   0   0   0   1" (withdraws print '---' where a counter does not apply, read as 0). */
function parseStats(value: string): BirdRouteChangeStats {
  const [received = 0, rejected = 0, filtered = 0, ignored = 0, accepted = 0] = value
    .trim()
    .split(/\s+/)
    .map((cell) => (cell === '---' ? 0 : Number(cell)));
  return { received, rejected, filtered, ignored, accepted };
}
