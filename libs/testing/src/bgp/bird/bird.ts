import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type PollOptions, pollUntil } from '../../polling';
import { BIRD, requireBinary } from '../process/binaries';
import { DaemonProcess } from '../../process/daemon-process';
import { createWorkDir, removeWorkDir } from '../process/work-dir';
import type { AddressFamily } from '../route';
import { BIRD_TABLES, type BirdOptions, renderBirdConfig } from './config';
import { BirdControlSocket } from './control-socket';
import type { BirdReplyLine } from './reply';
import { type BirdProtocolStatus, parseShowProtocolsAll } from './show-protocols';
import { type BirdRouteRow, parseRouteChangeTimes, parseRouteCount, parseShowRouteAll } from './show-route';
import { parseBirdTime } from './timestamps';

export interface BirdHandle {
  readonly options: BirdOptions;
  /** The directory holding bird.conf and the control socket. */
  readonly workDir: string;
  readonly controlSocketPath: string;
  /** Orderly shutdown (SIGTERM: BIRD sends Cease NOTIFICATIONs to its neighbors). */
  stop(): Promise<void>;
  /** SIGKILL, as in a crash: sessions end without NOTIFICATION, so neighbors may keep routes (RFC 4724). */
  kill(): Promise<void>;
  /** Starts BIRD again with the same configuration (after stop or kill); resolves when its control socket answers. */
  start(): Promise<void>;
  /** stop() then start(). */
  restart(): Promise<void>;
  /** Kills BIRD for good and removes its directory. Safe to call twice. */
  destroy(): Promise<void>;
  /** Runs a CLI command (as birdc would) and returns the reply's text lines. */
  command(command: string): Promise<BirdReplyLine[]>;
  /** Every route of the family's table, parsed from `show route all`. */
  routes(family: AddressFamily, options?: { protocol?: string }): Promise<BirdRoute[]>;
  /** Number of routes in the family's table (`show route count`). */
  routeCount(family: AddressFamily): Promise<number>;
  /** `show protocols all <name>`. */
  protocolStatus(name: string): Promise<BirdProtocolStatus>;
  /** The RFC 4271 state BIRD reports for a BGP protocol (Established, Active, ...). */
  protocolState(name: string): Promise<string>;
  /** `enable <name>`; kept across restart() and start(). */
  enableProtocol(name: string): Promise<void>;
  /** `disable <name>`; kept across restart() and start(). */
  disableProtocol(name: string): Promise<void>;
  /** The time (ms since the epoch, BIRD's clock) of the most recent change to any route from `protocol`. */
  lastRouteChange(family: AddressFamily, protocol: string): Promise<number | undefined>;
  waitForEstablished(name: string, options?: PollOptions): Promise<BirdProtocolStatus>;
  waitForRouteCount(family: AddressFamily, count: number, options?: PollOptions): Promise<void>;
  /** Polls routes() until `accept` returns true for them; returns them. */
  waitForRoutes(
    family: AddressFamily,
    accept: (routes: BirdRoute[]) => boolean,
    options?: PollOptions & { what?: string },
  ): Promise<BirdRoute[]>;
  /** BIRD's recent log lines (it logs to stderr). */
  recentOutput(): string;
}

export type BirdRoute = BirdRouteRow;

const READY_TIMEOUT_MS = 20_000;

/**
 * Starts BIRD 2 (Debian's bird2) in the foreground as a route reflector on loopback, with its own
 * configuration and control socket in a private directory. The returned handle talks to the
 * control socket directly. Call destroy() in afterEach/afterAll; BIRD also dies with the test
 * process (pdeathsig) and on process exit.
 */
export async function startBird(options: BirdOptions): Promise<BirdHandle> {
  const bin = requireBinary(BIRD);
  const workDir = createWorkDir('bird');
  const configPath = join(workDir, 'bird.conf');
  const controlSocketPath = join(workDir, 'bird.ctl');
  writeFileSync(configPath, renderBirdConfig(options));
  const daemon = new DaemonProcess('bird', bin, ['-f', '-c', configPath, '-s', controlSocketPath]);
  let control: BirdControlSocket | undefined;
  let destroyed = false;
  // Protocols enabled or disabled through the handle, applied again after every start so that a
  // restart keeps them as the test left them (bird.conf alone would disable `disabled` ones again).
  const adminStates = new Map<string, 'enable' | 'disable'>();

  const failure = (what: string): Error =>
    new Error(`bird (${bin}, ${configPath}) ${what}; its last output:\n${daemon.recentOutput()}`);

  const connectControl = async (): Promise<BirdControlSocket> => {
    if (control?.closed) control = undefined;
    control ??= await BirdControlSocket.connect(controlSocketPath);
    return control;
  };

  const command = async (text: string): Promise<BirdReplyLine[]> => {
    if (!daemon.isRunning) throw failure(`is not running, cannot run \`${text}\``);
    return (await connectControl()).command(text);
  };

  const start = async (): Promise<void> => {
    if (destroyed) throw new Error('this BIRD was destroyed');
    daemon.start();
    let exit: string | undefined;
    const unsubscribe = daemon.onExit((description) => (exit = description));
    try {
      // A daemon that exits (a configuration error) ends the wait at once, not at the timeout.
      const outcome = await pollUntil(
        'BIRD to answer on its control socket',
        async () => {
          if (exit) return 'exited';
          if (!existsSync(controlSocketPath)) return undefined;
          await connectControl();
          return 'ready';
        },
        { timeoutMs: READY_TIMEOUT_MS, intervalMs: 20 },
      );
      if (outcome === 'exited') throw failure(exit ?? 'exited');
    } catch (err) {
      await daemon.kill();
      throw exit ? failure(exit) : failure(`did not start: ${(err as Error).message}`);
    } finally {
      unsubscribe();
    }
    for (const [name, action] of adminStates) await command(`${action} ${name}`);
  };

  const halt = async (how: 'stop' | 'kill'): Promise<void> => {
    control?.close();
    control = undefined;
    await (how === 'stop' ? daemon.stop() : daemon.kill());
  };

  const protocols = async (name?: string): Promise<BirdProtocolStatus[]> =>
    parseShowProtocolsAll(await command(name ? `show protocols all ${name}` : 'show protocols all'));

  const protocolStatus = async (name: string): Promise<BirdProtocolStatus> => {
    const found = (await protocols(name)).find((p) => p.name === name);
    if (!found) throw failure(`has no protocol named ${name}`);
    return found;
  };

  const routes = async (family: AddressFamily, filter: { protocol?: string } = {}): Promise<BirdRoute[]> => {
    const protocolClause = filter.protocol ? ` protocol ${filter.protocol}` : '';
    const rows = parseShowRouteAll(
      await command(`show route all table ${BIRD_TABLES[family]}${protocolClause}`),
    );
    return markGracefulRestartStale(rows, family, await protocols());
  };

  const handle: BirdHandle = {
    options,
    workDir,
    controlSocketPath,
    stop: () => halt('stop'),
    kill: () => halt('kill'),
    start,
    restart: async () => {
      await halt('stop');
      await start();
    },
    destroy: async () => {
      if (destroyed) return;
      destroyed = true;
      await halt('kill');
      removeWorkDir(workDir);
    },
    command,
    routes,
    routeCount: async (family) =>
      parseRouteCount(await command(`show route count table ${BIRD_TABLES[family]}`), BIRD_TABLES[family]),
    protocolStatus,
    protocolState: async (name) => {
      const status = await protocolStatus(name);
      return status.bgpState ?? status.state;
    },
    enableProtocol: async (name) => {
      await command(`enable ${name}`);
      adminStates.set(name, 'enable');
    },
    disableProtocol: async (name) => {
      await command(`disable ${name}`);
      adminStates.set(name, 'disable');
    },
    lastRouteChange: async (family, protocol) => {
      const times = parseRouteChangeTimes(
        await command(`show route table ${BIRD_TABLES[family]} protocol ${protocol}`),
      );
      let latest: number | undefined;
      for (const time of times) {
        const at = parseBirdTime(time);
        if (latest === undefined || at > latest) latest = at;
      }
      return latest;
    },
    waitForEstablished: (name, poll) => {
      let last = 'nothing yet';
      return pollUntil(
        `BIRD's protocol ${name} to be Established`,
        async () => {
          const status = await protocolStatus(name);
          last = `${status.bgpState ?? status.state} ${status.lastError ?? ''}`.trim();
          return status.bgpState === 'Established' ? status : undefined;
        },
        { ...poll, describeLast: () => last },
      );
    },
    waitForRouteCount: async (family, count, poll) => {
      let last = -1;
      await pollUntil(
        `${count} ${family} routes in BIRD`,
        async () => {
          last = await handle.routeCount(family);
          return last === count ? true : undefined;
        },
        { ...poll, describeLast: () => `${last} routes` },
      );
    },
    waitForRoutes: (family, accept, poll = {}) => {
      let last: BirdRoute[] = [];
      return pollUntil(
        poll.what ?? `BIRD's ${family} routes to match`,
        async () => {
          last = await routes(family);
          return accept(last) ? last : undefined;
        },
        { ...poll, describeLast: () => `${last.length} routes` },
      );
    },
    recentOutput: () => daemon.recentOutput(),
  };

  try {
    await start();
  } catch (err) {
    await handle.destroy();
    throw err;
  }
  return handle;
}

/**
 * BIRD 2.0.12 marks the routes of a neighbor in graceful restart (RFC 4724 §4.2) with an internal
 * flag that no CLI command prints; only long-lived-stale routes get the 's' flag. What it does
 * print is the channel's GR state ("Neighbor GR: Regular") from the session's loss until the
 * neighbor's End-of-RIB (or the restart timer) ends it. So a route counts as stale while its
 * channel is in graceful restart. This over-reports routes that the neighbor has already
 * re-announced before its End-of-RIB; after End-of-RIB it is exact (BIRD has flushed the rest).
 */
export function markGracefulRestartStale(
  rows: BirdRouteRow[],
  family: AddressFamily,
  protocols: readonly BirdProtocolStatus[],
): BirdRouteRow[] {
  const inRestart = new Set(
    protocols
      .filter((p) => {
        const gr = p.channels[family]?.neighborGracefulRestart;
        return gr !== undefined && gr !== 'None';
      })
      .map((p) => p.name),
  );
  return rows.map((row) => (inRestart.has(row.fromProtocol) ? { ...row, stale: true } : row));
}
