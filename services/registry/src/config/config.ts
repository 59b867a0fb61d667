import { z } from 'zod';

/**
 * Configuration from environment variables, validated once at start. Every bad variable is
 * named in one error, so a deployment is fixed in one round trip (STYLE.md, immich).
 */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => ['true', '1', 'yes'].includes(v));
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const tokenList = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  )
  .refine((tokens) => tokens.every((t) => t.length >= 16), {
    message: 'every token must be at least 16 characters (generate one with: openssl rand -hex 24)',
  });

const EnvSchema = z.object({
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, message: 'must be a postgresql:// URL' })
    .default('postgresql://postgres@127.0.0.1:5432/isthmus_registry'),
  DATABASE_POOL_SIZE: int(1, 100).default(10),
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  HTTP_HOST: z.string().min(1).default('0.0.0.0'),
  HTTP_PORT: int(0, 65535).default(8080),
  LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log'),
  LOG_FORMAT: z.enum(['json', 'text']).default('json'),
  ISTHMUS_OPERATOR_TOKENS: tokenList.default([]),
  ISTHMUS_VIEWER_TOKENS: tokenList.default([]),
  ISTHMUS_AUTH_DISABLED: bool.default(false),
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
  RELAY_STREAM_CHECK_INTERVAL_MS: int(100, 3_600_000).default(30_000),
  MIGRATE_ON_START: bool.default(true),
  SOURCES_ENABLED: bool.default(true),
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
});

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The typed configuration; a Nest provider (injected by class). */
export class RegistryConfig {
  readonly databaseUrl!: string;
  readonly databasePoolSize!: number;
  readonly natsUrl!: string;
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
  readonly relayStreamCheckIntervalMs!: number;
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
    // An empty variable means "not set" (docker-compose writes VAR= for unset interpolations).
    const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
    const parsed = EnvSchema.safeParse(present);
    if (!parsed.success) {
      const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
      throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
    }
    const e = parsed.data;
    if (!e.ISTHMUS_AUTH_DISABLED && e.ISTHMUS_OPERATOR_TOKENS.length === 0) {
      throw new ConfigError(
        'invalid configuration:\n  ISTHMUS_OPERATOR_TOKENS: set at least one operator token, ' +
          'or ISTHMUS_AUTH_DISABLED=true for local development only',
      );
    }
    return Object.assign(new RegistryConfig(), {
      databaseUrl: e.DATABASE_URL,
      databasePoolSize: e.DATABASE_POOL_SIZE,
      natsUrl: e.NATS_URL,
      httpHost: e.HTTP_HOST,
      httpPort: e.HTTP_PORT,
      logLevel: e.LOG_LEVEL,
      logFormat: e.LOG_FORMAT,
      operatorTokens: e.ISTHMUS_OPERATOR_TOKENS,
      viewerTokens: e.ISTHMUS_VIEWER_TOKENS,
      authDisabled: e.ISTHMUS_AUTH_DISABLED,
      subjectRoot: e.ISTHMUS_SUBJECT_ROOT,
      streamName: e.ISTHMUS_REGISTRY_STREAM,
      streamReplicas: e.ISTHMUS_STREAM_REPLICAS,
      duplicateWindowMs: e.ISTHMUS_DUPLICATE_WINDOW_MS,
      writerMaxBatch: e.WRITER_MAX_BATCH,
      writerConcurrency: e.WRITER_CONCURRENCY,
      tombstoneRetentionMs: e.ISTHMUS_TOMBSTONE_RETENTION_MS,
      relayBatchSize: e.RELAY_BATCH_SIZE,
      relayPollIntervalMs: e.RELAY_POLL_INTERVAL_MS,
      relayStreamCheckIntervalMs: e.RELAY_STREAM_CHECK_INTERVAL_MS,
      migrateOnStart: e.MIGRATE_ON_START,
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
    });
  }
}
