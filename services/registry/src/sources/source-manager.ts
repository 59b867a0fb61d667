import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { ClusterStatus } from '@isthmus/contracts';
import { ClustersService } from '../clusters/clusters.service';
import { RegistryConfig } from '../config/config';
import { PgService } from '@isthmus/service-kit';
import { RegistryWriter } from '../writer/registry-writer';
import { KubeSource, type KubeConnection } from './kubernetes/kube-source';
import type { KnownEntities } from './kubernetes/reconciler';
import { acquireOrRenew, dropOrphanLeases, release } from './leases';

interface Running {
  source: KubeSource;
  /** Connection settings it was started with: a change restarts the source. */
  connection: string;
  exportDefault: boolean;
  /** The source's start (first reads of the registry and the API server), still going or done. */
  started: Promise<void>;
}

/**
 * Runs one source per watched cluster that this replica holds the lease of (DESIGN.md,
 * "Scale": registry replicas split the clusters; one watcher per cluster, taken over when its
 * replica dies). Every SOURCE_SYNC_INTERVAL_MS, and at once when a cluster is registered,
 * changed or deleted, it renews its leases, takes free or expired ones, and starts, restarts or
 * stops sources to match; no service restart is ever needed.
 */
@Injectable()
export class SourceManager implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(SourceManager.name);
  readonly replicaId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private readonly running = new Map<string, Running>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly config: RegistryConfig,
    private readonly pg: PgService,
    private readonly clusters: ClustersService,
    private readonly writer: RegistryWriter,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.sourcesEnabled) return;
    this.clusters.onChange(() => this.kick());
    this.kick();
    this.timer = setInterval(() => this.kick(), this.config.sourceSyncIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.ticking;
    await Promise.all([...this.running.keys()].map((id) => this.stopSource(id, true)));
  }

  kick(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = this.tick()
      .catch((e: unknown) => this.log.warn(`source sync failed: ${(e as Error).message}`))
      .finally(() => {
        this.ticking = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async tick(): Promise<void> {
    const rows = await this.pg.pool.query<{
      id: string;
      connection: KubeConnection;
      export_default: boolean;
    }>(`SELECT id, connection, export_default FROM cluster WHERE kind = 'kubernetes' ORDER BY id`);
    const wanted = new Set(rows.rows.map((r) => r.id));
    for (const id of [...this.running.keys()]) if (!wanted.has(id)) await this.stopSource(id, true);
    for (const row of rows.rows) {
      if (this.stopped) return;
      const held = await this.pg.transaction((sql) =>
        acquireOrRenew(sql, row.id, this.replicaId, this.config.clusterLeaseMs),
      );
      const current = this.running.get(row.id);
      if (!held) {
        if (current) {
          this.log.warn(`lost the lease of cluster ${row.id}: stopping its source`);
          await this.stopSource(row.id, false);
        }
        continue;
      }
      const connection = JSON.stringify(row.connection);
      if (current && current.connection !== connection) {
        this.log.log(`connection of cluster ${row.id} changed: restarting its source`);
        await this.stopSource(row.id, false);
      } else if (current) {
        if (current.exportDefault !== row.export_default) {
          current.source.setExportDefault(row.export_default);
          current.exportDefault = row.export_default;
        }
        continue;
      }
      await this.startSource(row.id, row.connection, row.export_default);
    }
    await this.pg.transaction((sql) => dropOrphanLeases(sql));
  }

  private async startSource(id: string, connection: KubeConnection, exportDefault: boolean): Promise<void> {
    const log = new Logger(`KubeSource ${id}`);
    const source = new KubeSource({
      cluster: id,
      connection,
      exportDefault,
      submit: (changes) => this.writer.submit(changes),
      loadKnown: () => this.known(id),
      reportStatus: (status: ClusterStatus, reason, synced) =>
        this.clusters.setStatus(id, status, reason, synced),
      health: {
        degradedAfterMs: this.config.sourceDegradedAfterMs,
        lostAfterMs: this.config.clusterLostAfterMs,
      },
      flushIntervalMs: this.config.sourceFlushIntervalMs,
      watchTimeoutSeconds: this.config.kubeWatchTimeoutSeconds,
      crdCheckIntervalMs: this.config.kubeCrdCheckIntervalMs,
      inClusterPathPrefix: this.config.kubeInClusterPathPrefix,
      backoff: { initialMs: this.config.sourceBackoffInitialMs, maxMs: this.config.sourceBackoffMaxMs },
      log,
    });
    // Not awaited: a start reads the registry and asks the API server what is installed, which
    // takes seconds on a big or slow cluster, and the tick that called it renews every lease of
    // this replica. Awaited, a slow start let the leases run out and another replica took the
    // clusters while this one was still watching them (seen in takeover.test.ts under load).
    const started = source.start().catch((e: unknown) => {
      this.log.warn(`source of cluster ${id} failed to start: ${(e as Error).message}`);
    });
    this.running.set(id, { source, connection: JSON.stringify(connection), exportDefault, started });
    this.log.log(`watching cluster ${id} (replica ${this.replicaId})`);
  }

  private async stopSource(id: string, releaseLease: boolean): Promise<void> {
    const r = this.running.get(id);
    if (!r) return;
    this.running.delete(id);
    await r.started; // a source stops once it has started: start() sets up what stop() clears
    await r.source.stop();
    if (releaseLease)
      await this.pg.transaction((sql) => release(sql, id, this.replicaId)).catch(() => undefined);
  }

  /** What the registry holds for a cluster, for the sweep after the first complete list. */
  private async known(cluster: string): Promise<KnownEntities> {
    const q = async <T>(sql: string) => (await this.pg.pool.query(sql, [cluster])).rows as T[];
    return {
      nodes: (await q<{ name: string }>('SELECT name FROM node WHERE cluster = $1 AND NOT deleted')).map(
        (r) => r.name,
      ),
      blocks: await q<{ cidr: string; node: string }>(
        'SELECT cidr, node FROM pod_block WHERE cluster = $1 AND NOT deleted',
      ),
      services: await q<{ namespace: string; name: string }>(
        'SELECT namespace, name FROM service WHERE cluster = $1 AND NOT deleted',
      ),
    };
  }
}
