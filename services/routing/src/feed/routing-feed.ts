// The routing service's inputs from the bus (DESIGN.md, "Data flow" 4): the registry's clusters
// and pod blocks, and IPAM's verdicts, each followed by a StateConsumer into the desired table.
import { registryEvents, StateConsumer, type BusLogger } from '@isthmus/bus';
import {
  ipamEvents,
  ipamSubjects,
  registrySubjects,
  type ClusterEvent,
  type ClusterState,
  type IpamEvent,
  type PodBlockEvent,
  type RegistryEvent,
} from '@isthmus/contracts';
import type { NatsConnection } from '@nats-io/nats-core';
import type { ClusterRoutingPolicy, ClusterView, DesiredTableState, TableChanges } from '../core';

const REPLAY_ACK_PENDING = 20_000;
const REPLAY_PULL_BATCH = 4096;

export interface RoutingFeedSettings {
  subjectRoot: string;
  registryStream: string;
  ipamStream: string;
  /** Prefix of this replica's durable consumers (each replica replays the streams in full). */
  durablePrefix: string;
  /** Without required verdicts the feed is ready without IPAM's stream. */
  requireVerdict: boolean;
}

/** Where a cluster's routing policy comes from (the service's database). */
export interface ClusterPolicySource {
  policyFor(cluster: string): Promise<ClusterRoutingPolicy>;
}

export interface RoutingFeedOptions {
  nc: NatsConnection;
  settings: RoutingFeedSettings;
  table: DesiredTableState;
  policies: ClusterPolicySource;
  /** The table's changes, coalesced: called at most once per turn of the event loop, from the end of the replay on. */
  onChanges: (changes: TableChanges) => void;
  logger?: BusLogger;
  clock?: () => number;
}

/**
 * Three consumers, all replaying in full at start (the table lives in memory): clusters and
 * blocks from the registry, verdicts from IPAM. It is `ready` once the registry's replay is
 * applied and, when verdicts are required, IPAM's too: the speaker starts only then, so that a
 * restarted routing service sends its whole table before End-of-RIB (RFC 4724 §4.1) and a
 * reflector that kept our routes as stale never sees a partial table as final.
 *
 * A `lost` cluster's routes go `staleAfterMs` after it became lost: since when is the `at` of
 * the first event that said `lost`, kept while later events of the cluster still say so.
 */
export class RoutingFeed {
  readonly ready: Promise<void>;
  private readonly consumers: StateConsumer<RegistryEvent | IpamEvent>[] = [];
  private readonly clusters = new Map<string, { state: ClusterState; lostSince?: number }>();
  /** Revision of the event that created each block: "first seen" between rivals of one prefix. */
  private readonly firstRevision = new Map<string, number>();
  private readonly clock: () => number;
  private flushScheduled?: ReturnType<typeof setImmediate>;
  /** The replay is applied: from then on every change is flushed as it comes. */
  private replayed = false;
  private staleTimer?: ReturnType<typeof setTimeout>;
  private stopped = false;

  constructor(private readonly options: RoutingFeedOptions) {
    this.clock = options.clock ?? Date.now;
    const { settings, nc, logger } = options;
    const registry = registrySubjects(settings.subjectRoot);
    const consumer = <E extends RegistryEvent | IpamEvent>(
      stream: string,
      name: string,
      filterSubject: string,
      codec: { decode: (s: string, d: Uint8Array) => E; revisionOf: (e: E) => number },
      apply: (event: E) => Promise<void>,
    ) =>
      new StateConsumer<E>({
        nc,
        stream,
        durableName: `${settings.durablePrefix}-${name}`,
        filterSubject,
        ...codec,
        apply: (_subject, event) => apply(event),
        replay: 'full',
        // The table is rebuilt from the streams at every start, and each apply takes microseconds:
        // large pulls keep the replay from waiting on the server (the start benchmark's idle time).
        maxAckPending: REPLAY_ACK_PENDING,
        pullBatch: REPLAY_PULL_BATCH,
        ...(logger ? { logger } : {}),
      });
    const clusters = consumer(
      settings.registryStream,
      'clusters',
      registry.all.clusters,
      registryEvents(settings.subjectRoot),
      (e) => this.applyCluster(e as ClusterEvent),
    );
    const blocks = consumer(
      settings.registryStream,
      'blocks',
      registry.all.blocks(),
      registryEvents(settings.subjectRoot),
      async (e) => this.applyBlock(e as PodBlockEvent),
    );
    const verdicts = consumer(
      settings.ipamStream,
      'verdicts',
      ipamSubjects(settings.subjectRoot).all.verdicts(),
      ipamEvents(settings.subjectRoot),
      async (e) => this.applyVerdict(e),
    );
    this.consumers.push(
      clusters as StateConsumer<RegistryEvent | IpamEvent>,
      blocks as StateConsumer<RegistryEvent | IpamEvent>,
      verdicts as StateConsumer<RegistryEvent | IpamEvent>,
    );
    const awaited = settings.requireVerdict ? [clusters, blocks, verdicts] : [clusters, blocks];
    this.ready = Promise.all(awaited.map((c) => c.caughtUp)).then(() => undefined);
    this.ready.then(
      () => {
        this.replayed = true;
        this.scheduleFlush();
      },
      () => undefined, // a stop before catching up
    );
  }

  async start(): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.start()));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.staleTimer);
    if (this.flushScheduled) clearImmediate(this.flushScheduled);
    await Promise.all(this.consumers.map((c) => c.stop()));
  }

  /** An operator changed a cluster's policy: its routes follow at once. */
  async refreshPolicy(cluster: string): Promise<void> {
    const known = this.clusters.get(cluster);
    if (!known) return;
    this.options.table.setCluster(cluster, await this.viewOf(known.state, known.lostSince));
    this.scheduleFlush();
  }

  private async applyCluster(event: ClusterEvent): Promise<void> {
    const { table } = this.options;
    if (event.deleted) {
      this.clusters.delete(event.key.id);
      table.setCluster(event.key.id, undefined);
    } else {
      const previous = this.clusters.get(event.state.id);
      const lostSince =
        event.state.status !== 'lost'
          ? undefined
          : previous?.state.status === 'lost' && previous.lostSince !== undefined
            ? previous.lostSince
            : Date.parse(event.at);
      // The policy read may fail (database down): the event is redelivered, nothing is half-applied.
      const view = await this.viewOf(event.state, lostSince);
      this.clusters.set(event.state.id, {
        state: event.state,
        ...(lostSince !== undefined ? { lostSince } : {}),
      });
      table.setCluster(event.state.id, view);
    }
    this.scheduleFlush();
  }

  private applyBlock(event: PodBlockEvent): void {
    const key = event.deleted ? event.key : event.state;
    const id = `${key.cluster}/${key.cidr}`;
    if (event.deleted) {
      this.firstRevision.delete(id);
      this.options.table.setBlock(key.cluster, key.cidr, undefined);
    } else {
      let revision = this.firstRevision.get(id);
      if (revision === undefined) this.firstRevision.set(id, (revision = event.revision));
      this.options.table.setBlock(key.cluster, key.cidr, { ...event.state, revision });
    }
    this.scheduleFlush();
  }

  private applyVerdict(event: IpamEvent): void {
    if (event.kind !== 'verdict') return;
    const key = event.deleted ? event.key : event.state;
    this.options.table.setVerdict(key.cluster, key.cidr, event.deleted ? undefined : event.state.status);
    this.scheduleFlush();
  }

  private async viewOf(state: ClusterState, lostSince: number | undefined): Promise<ClusterView> {
    const policy = await this.options.policies.policyFor(state.id);
    return { id: state.id, status: state.status, policy, ...(lostSince !== undefined ? { lostSince } : {}) };
  }

  /**
   * Before the replay is applied nobody is sent the table (the speaker waits for `ready`), so
   * the table is read once at the end of it rather than after every pull.
   */
  private scheduleFlush(): void {
    if (this.flushScheduled || this.stopped || !this.replayed) return;
    this.flushScheduled = setImmediate(() => {
      this.flushScheduled = undefined;
      this.flush();
    });
  }

  private flush(): void {
    const { table } = this.options;
    table.advance(this.clock());
    const changes = table.takeChanges();
    if (changes.upserted.length > 0 || changes.withdrawn.length > 0) this.options.onChanges(changes);
    this.armStaleTimer();
  }

  private armStaleTimer(): void {
    clearTimeout(this.staleTimer);
    const at = this.options.table.nextChangeAt;
    if (at === undefined || this.stopped) return;
    // Capped so that a clock jump or a far stale time is re-checked now and then.
    this.staleTimer = setTimeout(() => this.flush(), Math.min(Math.max(0, at - this.clock()), 60_000));
    this.staleTimer.unref();
  }
}
