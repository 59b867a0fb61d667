import type { BirdHandle } from '../bird/bird';
import type { BirdProtocolStatus } from '../bird/show-protocols';
import { parseBirdTime } from '../bird/timestamps';
import type { AddressFamily } from '../route';
import type { BgpMessageCounter } from '../wire/message-counter';

export interface TableTransferOptions {
  /** The BIRD that receives the table. */
  bird: BirdHandle;
  /** BIRD's protocol for the session with the sending speaker. */
  protocol: string;
  /** Routes BIRD holds from that protocol once the whole table has arrived. */
  expectedRoutes: Partial<Record<AddressFamily, number>>;
  /**
   * Brings the session up: enable BIRD's protocol, enable the speaker's neighbor, or start the
   * speaker. The clock starts just before it is called. The speaker must already hold its table.
   */
  startSession: () => Promise<void>;
  /** A relay between the speaker and BIRD (either side may listen), to count the speaker's UPDATE messages on the wire. */
  counter?: BgpMessageCounter;
  /** Pause between two `show protocols all` polls; default 5 ms. */
  pollIntervalMs?: number;
  /** Default 300 s. */
  timeoutMs?: number;
}

export interface TableTransferResult {
  /**
   * From startSession() to Established (BIRD's protocol state change time). Includes the peers'
   * own delays: after `enable` BIRD waits its connect delay, at least 1 s less random jitter
   * (bgp_active), before it connects.
   */
  toEstablishedMs: number;
  /** From the TCP connection (accepted by the counter's relay) to Established: the OPEN/KEEPALIVE exchange. */
  connectionToEstablishedMs: number | undefined;
  /** From Established to BIRD's last change to a route of the protocol: BIRD's own clock, microsecond timestamps. */
  establishedToAllRoutesMs: number;
  /** The same interval as this process's polling saw it (an upper bound, off by up to one poll and the CLI's latency). */
  polledEstablishedToAllRoutesMs: number;
  routes: Partial<Record<AddressFamily, number>>;
  /** BIRD's "Import updates / received" of the session's channels: routes announced, one per prefix (not messages). */
  routesReceived: number;
  /** Sent by the speaker and seen on the wire, when a counter relayed the session. */
  updateMessages: number | undefined;
  /** Octets of those UPDATE messages. */
  updateOctets: number | undefined;
}

/**
 * Times "speaker X sends its table to BIRD": from bringing the session up until BIRD holds every
 * expected route from it. Works for any speaker (gobgpd, Isthmus's own) that BIRD peers with.
 */
export async function measureTableTransfer(options: TableTransferOptions): Promise<TableTransferResult> {
  const { bird, protocol } = options;
  const interval = options.pollIntervalMs ?? 5;
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  const families = Object.keys(options.expectedRoutes) as AddressFamily[];
  const complete = (status: BirdProtocolStatus): boolean =>
    families.every(
      (family) => (status.channels[family]?.importedRoutes ?? 0) >= (options.expectedRoutes[family] ?? 0),
    );

  options.counter?.reset();
  const startedAt = Date.now();
  await options.startSession();
  let polledEstablishedAt: number | undefined;
  let status: BirdProtocolStatus;
  for (;;) {
    status = await bird.protocolStatus(protocol);
    const now = Date.now();
    if (status.bgpState === 'Established') polledEstablishedAt ??= now;
    if (polledEstablishedAt !== undefined && complete(status)) break;
    if (now > deadline) {
      const have = families.map((f) => `${f} ${status.channels[f]?.importedRoutes ?? 0}`).join(', ');
      throw new Error(
        `table transfer on ${protocol} incomplete after ${options.timeoutMs ?? 300_000} ms: ${status.bgpState}, ${have}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
  const polledCompleteAt = Date.now();

  const establishedAt = parseBirdTime(status.since);
  let lastChange = establishedAt;
  const routes: Partial<Record<AddressFamily, number>> = {};
  let routesReceived = 0;
  for (const family of families) {
    const channel = status.channels[family];
    routes[family] = channel?.importedRoutes ?? 0;
    routesReceived += channel?.importUpdates?.received ?? 0;
    lastChange = Math.max(lastChange, (await bird.lastRouteChange(family, protocol)) ?? establishedAt);
  }
  // The relay sits in front of whichever side listens: when that is BIRD, the speaker is the
  // connecting side; otherwise BIRD connects and the speaker is upstream.
  const counter = options.counter;
  const counts = counter?.counts();
  const birdIsUpstream =
    counter?.upstreamAddress === bird.options.address && counter?.upstreamPort === bird.options.port;
  const wire = birdIsUpstream ? counts?.fromConnecting : counts?.fromUpstream;
  const connectedAt = counter?.lastConnectionAt();
  return {
    toEstablishedMs: establishedAt - startedAt,
    connectionToEstablishedMs: connectedAt === undefined ? undefined : establishedAt - connectedAt,
    establishedToAllRoutesMs: lastChange - establishedAt,
    polledEstablishedToAllRoutesMs: polledCompleteAt - (polledEstablishedAt ?? polledCompleteAt),
    routes,
    routesReceived,
    updateMessages: wire?.update,
    updateOctets: wire?.updateOctets,
  };
}
