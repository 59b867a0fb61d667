import { execFile } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type PollOptions, pollUntil } from '../../polling';
import { DaemonProcess } from '../../process/daemon-process';
import { FRR_BGPD, requireBinary, VTYSH } from '../process/binaries';
import { createWorkDir, removeWorkDir } from '../process/work-dir';
import type { AddressFamily, PeerRoute } from '../route';
import { FRR_DEFAULT_ASN, type FrrOptions, refusedConfigLines, renderFrrConfig } from './config';
import {
  countFrrPrefixes,
  type FrrNeighborsJson,
  type FrrNeighborStatus,
  type FrrRouteTableJson,
  parseFrrNeighbor,
  parseFrrRoutes,
} from './show-json';

const run = promisify(execFile);

export interface FrrHandle {
  readonly options: FrrOptions;
  /** The directory holding bgpd.conf, bgpd.pid and bgpd's vty socket (bgpd.vty). */
  readonly workDir: string;
  /**
   * Orderly shutdown: `bgp shutdown` first, so every neighbor gets a Cease NOTIFICATION
   * (Administrative Shutdown, RFC 4486 §4) and drops FRR's routes, then SIGTERM. SIGTERM alone
   * closes the sessions without any NOTIFICATION (see the README).
   */
  stop(): Promise<void>;
  /** SIGKILL, as in a crash: no NOTIFICATION, neighbors with graceful restart keep FRR's routes. */
  kill(): Promise<void>;
  /** Starts bgpd again with the same configuration (empty table); resolves when vtysh answers. */
  start(): Promise<void>;
  /** stop() then start(). */
  restart(): Promise<void>;
  /** Kills bgpd for good and removes its directory. Safe to call twice. */
  destroy(): Promise<void>;
  /** Runs commands in one vtysh (`-c` each, in order) and returns its standard output. */
  vtysh(...commands: string[]): Promise<string>;
  /** The best path of each prefix of the family's unicast table. */
  routes(family: AddressFamily): Promise<PeerRoute[]>;
  /** Prefixes in the family's unicast table. */
  routeCount(family: AddressFamily): Promise<number>;
  neighborStatus(address: string): Promise<FrrNeighborStatus>;
  /** Idle, Connect, Active, OpenSent, OpenConfirm, Established. */
  neighborState(address: string): Promise<string>;
  /** `no neighbor ADDR shutdown`; kept across restart() and start(). */
  enableNeighbor(address: string): Promise<void>;
  /** `neighbor ADDR shutdown` (a Cease to the neighbor); kept across restart() and start(). */
  disableNeighbor(address: string): Promise<void>;
  /** `clear bgp ADDR soft in`: a ROUTE-REFRESH (RFC 2918) to the neighbor for every family. */
  requestRouteRefresh(address: string): Promise<void>;
  waitForEstablished(address: string, options?: PollOptions): Promise<FrrNeighborStatus>;
  waitForRouteCount(family: AddressFamily, count: number, options?: PollOptions): Promise<void>;
  /** Polls routes() until `accept` returns true for them; returns them. */
  waitForRoutes(
    family: AddressFamily,
    accept: (routes: PeerRoute[]) => boolean,
    options?: PollOptions & { what?: string },
  ): Promise<PeerRoute[]>;
  /** bgpd's recent log lines (it logs to stdout). */
  recentOutput(): string;
}

const READY_TIMEOUT_MS = 20_000;
/** `show bgp ... json detail` of a large table is megabytes. */
const VTYSH_MAX_BUFFER = 1 << 30;
/**
 * bgpd keeps a crash log and its log buffers in /var/tmp/frr/bgpd.<pid> (FRR's lib/zlog_targets
 * tmpdir, not configurable) and removes it on a clean exit only.
 */
export const bgpdTmpDir = (pid: number): string => `/var/tmp/frr/bgpd.${pid}`;

/**
 * Starts FRR's bgpd (Debian's frr 8.4) alone on loopback as a route reflector: no zebra (`-Z`, so
 * nothing reaches the kernel's routing table and no other FRR daemon is needed), its own
 * configuration, pid file and vty socket in a private directory (nothing in /etc/frr or
 * /var/run/frr), no vty TCP port (`-P 0`), listening on one address and port (`-l`, `-p`), as
 * root. Call destroy() in afterEach/afterAll; bgpd also dies with the test process (pdeathsig)
 * and on process exit.
 */
export async function startFrr(options: FrrOptions): Promise<FrrHandle> {
  const bgpdBin = requireBinary(FRR_BGPD);
  const vtyshBin = requireBinary(VTYSH);
  const asn = options.asn ?? FRR_DEFAULT_ASN;
  const workDir = createWorkDir('frr');
  const configPath = join(workDir, 'bgpd.conf');
  const socketPath = join(workDir, 'bgpd.vty');
  writeFileSync(configPath, renderFrrConfig(options));
  const daemon = new DaemonProcess('bgpd', bgpdBin, [
    // No zebra: bgpd neither installs routes (-Z implies -n) nor waits for interfaces.
    '-Z',
    // Stay root: FRR would switch to the frr user, which cannot read this directory, and as root
    // (-u root) it insists that root be in the frrvty group.
    '-S',
    '-f',
    configPath,
    '-i',
    join(workDir, 'bgpd.pid'),
    '--vty_socket',
    workDir,
    '-P',
    '0',
    '-l',
    options.address,
    '-p',
    String(options.port),
    '--log',
    'stdout',
  ]);
  let destroyed = false;
  // Neighbors enabled or disabled through the handle, applied again after every start so that a
  // restart keeps them as the test left them.
  const adminStates = new Map<string, boolean>();

  const failure = (what: string): Error =>
    new Error(`bgpd (${bgpdBin}, ${configPath}) ${what}; its last output:\n${daemon.recentOutput()}`);

  const vtysh = async (...commands: string[]): Promise<string> => {
    if (!daemon.isRunning) throw failure(`is not running, cannot run \`${commands.join('; ')}\``);
    const args = ['--vty_socket', workDir, '-d', 'bgpd', ...commands.flatMap((c) => ['-c', c])];
    try {
      const { stdout } = await run(vtyshBin, args, { maxBuffer: VTYSH_MAX_BUFFER });
      return stdout;
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string; message: string };
      throw new Error(
        `vtysh -c '${commands.join("' -c '")}' failed: ${(e.stdout || e.stderr || e.message).trim()}`,
      );
    }
  };

  const configure = (...lines: string[]): Promise<string> =>
    vtysh('configure terminal', `router bgp ${asn}`, ...lines);

  const neighborStatus = async (address: string): Promise<FrrNeighborStatus> =>
    parseFrrNeighbor(
      JSON.parse(await vtysh(`show bgp neighbors ${address} json`)) as FrrNeighborsJson,
      address,
    );

  const routes = async (family: AddressFamily): Promise<PeerRoute[]> =>
    parseFrrRoutes(JSON.parse(await vtysh(`show bgp ${family} unicast json detail`)) as FrrRouteTableJson);

  const routeCount = async (family: AddressFamily): Promise<number> =>
    countFrrPrefixes(JSON.parse(await vtysh(`show bgp ${family} unicast json`)) as FrrRouteTableJson);

  const start = async (): Promise<void> => {
    if (destroyed) throw new Error('this bgpd was destroyed');
    // A socket left by a killed bgpd would look ready before the new one listens.
    rmSync(socketPath, { force: true });
    daemon.start();
    let exit: string | undefined;
    const unsubscribe = daemon.onExit((description) => (exit = description));
    try {
      // A daemon that exits (a port in use) ends the wait at once, not at the timeout.
      const outcome = await pollUntil(
        'bgpd to answer on its vty socket',
        async () => {
          if (exit) return 'exited';
          if (!existsSync(socketPath)) return undefined;
          await vtysh('show bgp summary json');
          return 'ready';
        },
        { timeoutMs: READY_TIMEOUT_MS, intervalMs: 20 },
      );
      if (outcome === 'exited') throw failure(exit ?? 'exited');
    } catch (err) {
      await halt('kill');
      throw exit ? failure(exit) : failure(`did not start: ${(err as Error).message}`);
    } finally {
      unsubscribe();
    }
    // bgpd carries on without a configuration line it refused; the harness does not.
    const refused = refusedConfigLines(daemon.recentOutput());
    if (refused.length > 0) {
      await halt('kill');
      throw failure(`refused lines of its configuration: ${refused.join('; ')}`);
    }
    for (const [address, enabled] of adminStates) {
      await configure(`${enabled ? 'no ' : ''}neighbor ${address} shutdown`);
    }
  };

  async function halt(how: 'stop' | 'kill'): Promise<void> {
    const pid = daemon.pid;
    if (pid === undefined) return;
    if (how === 'stop') {
      await configure('bgp shutdown').catch(() => undefined);
      // The NOTIFICATIONs are on their way once no neighbor is Established any more.
      await pollUntil(
        'bgpd to end its sessions after bgp shutdown',
        async () => {
          for (const n of options.neighbors) {
            if ((await neighborStatus(n.address)).state === 'Established') return false;
          }
          return true;
        },
        { timeoutMs: 5_000 },
      ).catch(() => undefined);
      await daemon.stop();
    } else {
      await daemon.kill();
    }
    rmSync(bgpdTmpDir(pid), { recursive: true, force: true });
  }

  const handle: FrrHandle = {
    options,
    workDir,
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
    vtysh,
    routes,
    routeCount,
    neighborStatus,
    neighborState: async (address) => (await neighborStatus(address)).state,
    enableNeighbor: async (address) => {
      await configure(`no neighbor ${address} shutdown`);
      adminStates.set(address, true);
    },
    disableNeighbor: async (address) => {
      await configure(`neighbor ${address} shutdown`);
      adminStates.set(address, false);
    },
    requestRouteRefresh: async (address) => {
      await vtysh(`clear bgp ${address} soft in`);
    },
    waitForEstablished: (address, poll) => {
      let last = 'nothing yet';
      return pollUntil(
        `bgpd's session with ${address} to be Established`,
        async () => {
          const status = await neighborStatus(address);
          last = `${status.state} (last reset: ${status.lastResetDueTo ?? 'none'})`;
          return status.state === 'Established' ? status : undefined;
        },
        { ...poll, describeLast: () => last },
      );
    },
    waitForRouteCount: async (family, count, poll) => {
      let last = -1;
      await pollUntil(
        `${count} ${family} routes in bgpd`,
        async () => {
          last = await routeCount(family);
          return last === count ? true : undefined;
        },
        { ...poll, describeLast: () => `${last} routes` },
      );
    },
    waitForRoutes: (family, accept, poll = {}) => {
      let last: PeerRoute[] = [];
      return pollUntil(
        poll.what ?? `bgpd's ${family} routes to match`,
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
