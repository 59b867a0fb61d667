import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../postgres-server';
import { type PollOptions, pollUntil } from '../../polling';
import { GOBGP_CLI, GOBGPD, requireBinary } from '../process/binaries';
import { DaemonProcess } from '../../process/daemon-process';
import { createWorkDir, removeWorkDir } from '../process/work-dir';
import type { AddressFamily, PeerRoute, RouteOrigin } from '../route';
import { type GobgpdOptions, renderGobgpdConfig } from './config';
import { GOBGP_INJECT_PADDING_RECORDS, padForGobgpInject } from './inject-padding';
import { type GobgpNeighborStatus, type GobgpRibJson, parseGobgpNeighbor, parseGobgpRib } from './rib-json';

const run = promisify(execFile);

/** A route for `gobgp global rib add`. */
export interface GobgpRouteSpec {
  prefix: string;
  nextHop: string;
  origin?: RouteOrigin;
  asPath?: number[];
  localPref?: number;
  med?: number;
  /** "64511:1" */
  communities?: string[];
  /** "64511:1:2" */
  largeCommunities?: string[];
}

export interface GobgpdStartOptions {
  /** Start with gobgpd's `-r`: the Restart State bit set in its graceful restart capability (RFC 4724 §3). */
  restarting?: boolean;
}

export interface GobgpdHandle {
  readonly options: GobgpdOptions;
  readonly apiPort: number;
  readonly workDir: string;
  /** SIGTERM: gobgpd ends its sessions with a Cease NOTIFICATION, so neighbors drop its routes. */
  stop(): Promise<void>;
  /** SIGKILL, as in a crash: no NOTIFICATION, neighbors with graceful restart keep its routes as stale. */
  kill(): Promise<void>;
  /** Starts gobgpd again (empty RIB: routes added before are gone); resolves when its API answers. */
  start(options?: GobgpdStartOptions): Promise<void>;
  /** stop() then start(). */
  restart(options?: GobgpdStartOptions): Promise<void>;
  /** Kills gobgpd for good and removes its directory. Safe to call twice. */
  destroy(): Promise<void>;
  /** Runs the gobgp CLI against this gobgpd and returns its standard output. */
  cli(args: string[]): Promise<string>;
  /** The best path of each prefix in the global RIB. */
  routes(family: AddressFamily): Promise<PeerRoute[]>;
  /** Destinations in the global RIB (`gobgp global rib summary`). */
  routeCount(family: AddressFamily): Promise<number>;
  neighborStatus(address: string): Promise<GobgpNeighborStatus>;
  /** IDLE, CONNECT, ACTIVE, OPENSENT, OPENCONFIRM, ESTABLISHED. */
  neighborState(address: string): Promise<string>;
  enableNeighbor(address: string): Promise<void>;
  disableNeighbor(address: string): Promise<void>;
  waitForEstablished(address: string, options?: PollOptions): Promise<void>;
  waitForRouteCount(family: AddressFamily, count: number, options?: PollOptions): Promise<void>;
  /**
   * Loads an MRT TABLE_DUMP_V2 file into the global RIB with `gobgp mrt inject global`, padded so
   * that gobgp 3.10 does not drop its last records (see inject-padding.ts), and checks that the
   * file's last prefix arrived.
   */
  mrtInject(file: string): Promise<void>;
  addRoute(route: GobgpRouteSpec): Promise<void>;
  deleteRoute(prefix: string): Promise<void>;
  /** gobgpd's recent log lines. */
  recentOutput(): string;
}

const READY_TIMEOUT_MS = 20_000;
/** `gobgp global rib -j` of 100,000 routes is tens of megabytes. */
const CLI_MAX_BUFFER = 1 << 30;

const familyOf = (prefix: string): AddressFamily => (prefix.includes(':') ? 'ipv6' : 'ipv4');

/**
 * Starts gobgpd (Debian's gobgpd 3.x) on loopback with its own TOML configuration and gRPC API
 * port, and returns a handle that drives it through the gobgp CLI. Call destroy() in
 * afterEach/afterAll; gobgpd also dies with the test process (pdeathsig) and on process exit.
 */
export async function startGobgpd(options: GobgpdOptions): Promise<GobgpdHandle> {
  const daemonBin = requireBinary(GOBGPD);
  const cliBin = requireBinary(GOBGP_CLI);
  const apiPort = options.apiPort ?? (await freePort());
  const workDir = createWorkDir('gobgpd');
  const configPath = join(workDir, 'gobgpd.toml');
  writeFileSync(configPath, renderGobgpdConfig(options));
  const baseArgs = [
    '-f',
    configPath,
    '-t',
    'toml',
    '--api-hosts',
    `127.0.0.1:${apiPort}`,
    '--pprof-disable',
    '-p',
  ];
  let daemon: DaemonProcess | undefined;
  let destroyed = false;

  const failure = (what: string): Error =>
    new Error(
      `gobgpd (${daemonBin}, ${configPath}) ${what}; its last output:\n${daemon?.recentOutput() ?? ''}`,
    );

  const cli = async (args: string[]): Promise<string> => {
    try {
      const { stdout } = await run(cliBin, ['-u', '127.0.0.1', '-p', String(apiPort), ...args], {
        maxBuffer: CLI_MAX_BUFFER,
      });
      return stdout;
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string; message: string };
      throw new Error(`gobgp ${args.join(' ')} failed: ${(e.stderr || e.stdout || e.message).trim()}`);
    }
  };

  const start = async (startOptions: GobgpdStartOptions = {}): Promise<void> => {
    if (destroyed) throw new Error('this gobgpd was destroyed');
    daemon = new DaemonProcess('gobgpd', daemonBin, [
      ...baseArgs,
      ...(startOptions.restarting ? ['-r'] : []),
    ]);
    const current = daemon;
    current.start();
    let exit: string | undefined;
    const unsubscribe = current.onExit((description) => (exit = description));
    try {
      // A daemon that exits (a configuration error, a port in use) ends the wait at once.
      const outcome = await pollUntil(
        "gobgpd's API to answer",
        async () => {
          if (exit) return 'exited';
          await cli(['global']);
          return 'ready';
        },
        { timeoutMs: READY_TIMEOUT_MS, intervalMs: 50 },
      );
      if (outcome === 'exited') throw failure(exit ?? 'exited');
    } catch (err) {
      await current.kill();
      throw exit ? failure(exit) : failure(`did not start: ${(err as Error).message}`);
    } finally {
      unsubscribe();
    }
  };

  const neighborStatus = async (address: string): Promise<GobgpNeighborStatus> =>
    parseGobgpNeighbor(JSON.parse(await cli(['neighbor', address, '-j'])));

  const routeCount = async (family: AddressFamily): Promise<number> => {
    const text = await cli(['global', 'rib', 'summary', '-a', family]);
    const match = /Destination:\s*(\d+)/.exec(text);
    if (!match) throw new Error(`unexpected output of gobgp global rib summary: ${text}`);
    return Number(match[1]);
  };

  const handle: GobgpdHandle = {
    options,
    apiPort,
    workDir,
    stop: async () => daemon?.stop(),
    kill: async () => daemon?.kill(),
    start,
    restart: async (startOptions) => {
      await daemon?.stop();
      await start(startOptions);
    },
    destroy: async () => {
      if (destroyed) return;
      destroyed = true;
      await daemon?.kill();
      removeWorkDir(workDir);
    },
    cli,
    routes: async (family) => {
      const text = (await cli(['global', 'rib', '-a', family, '-j'])).trim();
      return text === '' ? [] : parseGobgpRib(JSON.parse(text) as GobgpRibJson);
    },
    routeCount,
    neighborStatus,
    neighborState: async (address) => (await neighborStatus(address)).sessionState,
    enableNeighbor: async (address) => {
      await cli(['neighbor', address, 'enable']);
    },
    disableNeighbor: async (address) => {
      await cli(['neighbor', address, 'disable']);
    },
    waitForEstablished: async (address, poll) => {
      let last = 'nothing yet';
      await pollUntil(
        `gobgpd's session with ${address} to be Established`,
        async () => {
          last = (await neighborStatus(address)).sessionState;
          return last === 'ESTABLISHED' ? true : undefined;
        },
        { ...poll, describeLast: () => last },
      );
    },
    waitForRouteCount: async (family, count, poll) => {
      let last = -1;
      await pollUntil(
        `${count} ${family} routes in gobgpd`,
        async () => {
          last = await routeCount(family);
          return last === count ? true : undefined;
        },
        { ...poll, describeLast: () => `${last} routes` },
      );
    },
    mrtInject: async (file) => {
      const { padded, lastPrefix, lastFamily } = padForGobgpInject(readFileSync(file));
      const paddedPath = join(workDir, 'inject.mrt');
      writeFileSync(paddedPath, padded);
      await cli(['mrt', 'inject', 'global', paddedPath]);
      await pollUntil(
        `the file's last prefix ${lastPrefix} in gobgpd after mrt inject (padded with ${GOBGP_INJECT_PADDING_RECORDS} copies)`,
        async () => {
          const text = (await cli(['global', 'rib', '-a', lastFamily, lastPrefix, '-j'])).trim();
          return text !== '' && text !== '{}' ? true : undefined;
        },
        { timeoutMs: 10_000, intervalMs: 50 },
      );
    },
    addRoute: async (route) => {
      const args = [
        'global',
        'rib',
        'add',
        '-a',
        familyOf(route.prefix),
        route.prefix,
        'nexthop',
        route.nextHop,
      ];
      if (route.origin) args.push('origin', route.origin);
      if (route.asPath?.length) args.push('aspath', route.asPath.join(','));
      if (route.localPref !== undefined) args.push('local-pref', String(route.localPref));
      if (route.med !== undefined) args.push('med', String(route.med));
      if (route.communities?.length) args.push('community', route.communities.join(','));
      if (route.largeCommunities?.length) args.push('large-community', route.largeCommunities.join(','));
      await cli(args);
    },
    deleteRoute: async (prefix) => {
      await cli(['global', 'rib', 'del', '-a', familyOf(prefix), prefix]);
    },
    recentOutput: () => daemon?.recentOutput() ?? '',
  };

  try {
    await start();
  } catch (err) {
    await handle.destroy();
    throw err;
  }
  return handle;
}
