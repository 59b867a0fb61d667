import { z } from 'zod';
import {
  type AuthSettings,
  authEnv,
  type DatabaseSettings,
  databaseEnv,
  envBoolean,
  envInt as int,
  envPart,
  type HttpSettings,
  httpEnv,
  type LogSettings,
  logEnv,
  type NatsSettings,
  natsEnv,
  readEnv,
} from '@isthmus/service-kit';

/**
 * Configuration from environment variables, validated once at start. Every bad variable is
 * named in one error, so a deployment is fixed in one round trip (STYLE.md, immich). The shared
 * variables (database, HTTP, logs, auth) are service-kit's; these are the registry's own.
 */
const registryEnv = envPart(
  {
    ISTHMUS_SUBJECT_ROOT: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, { message: 'must be one NATS token: letters, digits, "_" or "-"' })
      .default('isthmus'),
    ISTHMUS_REGISTRY_STREAM: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, { message: 'must be a JetStream stream name: letters, digits, "_" or "-"' })
      .default('ISTHMUS_REGISTRY'),
    ISTHMUS_STREAM_REPLICAS: int(1, 5).default(1),
    ISTHMUS_DUPLICATE_WINDOW_MS: int(1000, 86_400_000).default(120_000),
    WRITER_MAX_BATCH: int(1, 50_000).default(2000),
    WRITER_CONCURRENCY: int(1, 16).default(2),
    ISTHMUS_TOMBSTONE_RETENTION_MS: int(60_000, 30 * 86_400_000).default(600_000),
    RELAY_BATCH_SIZE: int(1, 50_000).default(2000),
    RELAY_POLL_INTERVAL_MS: int(10, 60_000).default(500),
    RELAY_HANDOFF_MAX: int(0, 1_000_000).default(20_000),
    RELAY_STREAM_CHECK_INTERVAL_MS: int(100, 3_600_000).default(30_000),
    RELAY_PUBLISH_DEADLINE_MS: int(500, 600_000).default(15_000),
    RELAY_STREAM_REBUILD_AFTER_MS: int(1000, 86_400_000).default(60_000),
    SOURCES_ENABLED: envBoolean.default(true),
    CLUSTER_LEASE_MS: int(1000, 600_000).default(10_000),
    SOURCE_SYNC_INTERVAL_MS: int(100, 600_000).default(3_000),
    SOURCE_FLUSH_INTERVAL_MS: int(1, 10_000).default(20),
    SOURCE_DEGRADED_AFTER_MS: int(0, 3_600_000).default(10_000),
    CLUSTER_LOST_AFTER_MS: int(1000, 86_400_000).default(300_000),
    SOURCE_BACKOFF_INITIAL_MS: int(10, 60_000).default(500),
    SOURCE_BACKOFF_MAX_MS: int(100, 600_000).default(30_000),
    KUBE_WATCH_TIMEOUT_SECONDS: int(1, 86_400).default(300),
    KUBE_CRD_CHECK_INTERVAL_MS: int(100, 3_600_000).default(15_000),
    KUBE_IN_CLUSTER_PATH_PREFIX: z.string().default(''),
  },
  (e) => ({
    subjectRoot: e.ISTHMUS_SUBJECT_ROOT,
    streamName: e.ISTHMUS_REGISTRY_STREAM,
    streamReplicas: e.ISTHMUS_STREAM_REPLICAS,
    duplicateWindowMs: e.ISTHMUS_DUPLICATE_WINDOW_MS,
    writerMaxBatch: e.WRITER_MAX_BATCH,
    writerConcurrency: e.WRITER_CONCURRENCY,
    tombstoneRetentionMs: e.ISTHMUS_TOMBSTONE_RETENTION_MS,
    relayBatchSize: e.RELAY_BATCH_SIZE,
    relayPollIntervalMs: e.RELAY_POLL_INTERVAL_MS,
    relayHandOffMax: e.RELAY_HANDOFF_MAX,
    relayStreamCheckIntervalMs: e.RELAY_STREAM_CHECK_INTERVAL_MS,
    relayPublishDeadlineMs: e.RELAY_PUBLISH_DEADLINE_MS,
    relayStreamRebuildAfterMs: e.RELAY_STREAM_REBUILD_AFTER_MS,
    sourcesEnabled: e.SOURCES_ENABLED,
    clusterLeaseMs: e.CLUSTER_LEASE_MS,
    sourceSyncIntervalMs: e.SOURCE_SYNC_INTERVAL_MS,
    sourceFlushIntervalMs: e.SOURCE_FLUSH_INTERVAL_MS,
    sourceDegradedAfterMs: e.SOURCE_DEGRADED_AFTER_MS,
    clusterLostAfterMs: e.CLUSTER_LOST_AFTER_MS,
    sourceBackoffInitialMs: e.SOURCE_BACKOFF_INITIAL_MS,
    sourceBackoffMaxMs: e.SOURCE_BACKOFF_MAX_MS,
    kubeWatchTimeoutSeconds: e.KUBE_WATCH_TIMEOUT_SECONDS,
    kubeCrdCheckIntervalMs: e.KUBE_CRD_CHECK_INTERVAL_MS,
    kubeInClusterPathPrefix: e.KUBE_IN_CLUSTER_PATH_PREFIX,
  }),
);

/** The typed configuration; a Nest provider (injected by class). */
export class RegistryConfig
  implements AuthSettings, DatabaseSettings, HttpSettings, LogSettings, NatsSettings
{
  readonly databaseUrl!: string;
  readonly databasePoolSize!: number;
  readonly natsUrl!: string;
  readonly natsReconnectWaitMs!: number;
  readonly natsPingIntervalMs!: number;
  readonly natsRequestTimeoutMs!: number;
  readonly natsPublishTimeoutMs!: number;
  readonly httpHost!: string;
  readonly httpPort!: number;
  readonly logLevel!: 'error' | 'warn' | 'log' | 'debug' | 'verbose';
  readonly logFormat!: 'json' | 'text';
  readonly operatorTokens!: readonly string[];
  readonly viewerTokens!: readonly string[];
  readonly authDisabled!: boolean;
  readonly subjectRoot!: string;
  readonly streamName!: string;
  readonly streamReplicas!: number;
  readonly duplicateWindowMs!: number;
  readonly writerMaxBatch!: number;
  readonly writerConcurrency!: number;
  readonly tombstoneRetentionMs!: number;
  readonly relayBatchSize!: number;
  readonly relayPollIntervalMs!: number;
  /** Committed events whose payloads the relay keeps in memory at most (0: always read the outbox). */
  readonly relayHandOffMax!: number;
  readonly relayStreamCheckIntervalMs!: number;
  /** How long one relay round may retry its publish before it rolls back and starts again. */
  readonly relayPublishDeadlineMs!: number;
  /** A stream refusing every write with a store failure this long is deleted and rebuilt. */
  readonly relayStreamRebuildAfterMs!: number;
  readonly migrateOnStart!: boolean;
  readonly sourcesEnabled!: boolean;
  readonly clusterLeaseMs!: number;
  readonly sourceSyncIntervalMs!: number;
  readonly sourceFlushIntervalMs!: number;
  readonly sourceDegradedAfterMs!: number;
  readonly clusterLostAfterMs!: number;
  readonly sourceBackoffInitialMs!: number;
  readonly sourceBackoffMaxMs!: number;
  readonly kubeWatchTimeoutSeconds!: number;
  readonly kubeCrdCheckIntervalMs!: number;
  /** Prepended to /var/run/secrets/kubernetes.io/serviceaccount/… for `inCluster` connections. */
  readonly kubeInClusterPathPrefix!: string;

  static fromEnv(env: Record<string, string | undefined> = process.env): RegistryConfig {
    const s = readEnv(
      {
        database: databaseEnv('isthmus_registry'),
        http: httpEnv(8080),
        log: logEnv,
        auth: authEnv,
        nats: natsEnv,
        registry: registryEnv,
      },
      env,
    );
    // Typed as every field of the class, so that a field no part sets does not compile.
    const fields: { [K in keyof RegistryConfig]: RegistryConfig[K] } = {
      ...s.database,
      ...s.http,
      ...s.log,
      ...s.auth,
      ...s.nats,
      ...s.registry,
    };
    return Object.assign(new RegistryConfig(), fields);
  }
}
