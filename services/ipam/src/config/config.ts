import {
  type AuthSettings,
  authEnv,
  type DatabaseSettings,
  databaseEnv,
  envInt,
  envPart,
  type HttpSettings,
  httpEnv,
  type LogSettings,
  logEnv,
  natsEnv,
  readEnv,
} from '@isthmus/service-kit';
import { validationEnv, type ValidationSettings } from '../validation/validation-settings';

/**
 * Configuration from environment variables, validated once at start; every bad variable is
 * named in one error. The shared variables (database, HTTP, logs, auth) are the same as the
 * registry's; only the defaults differ (database isthmus_ipam, port 8081), so that both run
 * side by side on one machine.
 */
const ipamEnv = envPart(
  {
    // A next-free allocation retries when a concurrent explicit allocation took its block first;
    // each retry sees that winner, so a handful is plenty.
    ALLOCATION_RETRIES: envInt(1, 100).default(10),
  },
  (e) => ({ allocationRetries: e.ALLOCATION_RETRIES }),
);

/** The typed configuration; a Nest provider (injected by class). */
export class IpamConfig
  implements AuthSettings, DatabaseSettings, HttpSettings, LogSettings, ValidationSettings
{
  readonly databaseUrl!: string;
  readonly databasePoolSize!: number;
  readonly migrateOnStart!: boolean;
  /** All of DATABASE_POOL_SIZE: PgService is the service's only database client. */
  readonly pgPoolSize!: number;
  readonly httpHost!: string;
  readonly httpPort!: number;
  readonly logLevel!: LogSettings['logLevel'];
  readonly logFormat!: LogSettings['logFormat'];
  readonly operatorTokens!: readonly string[];
  readonly viewerTokens!: readonly string[];
  readonly authDisabled!: boolean;
  readonly allocationRetries!: number;
  readonly natsUrl!: string;
  readonly natsReconnectWaitMs!: number;
  readonly natsPingIntervalMs!: number;
  readonly natsRequestTimeoutMs!: number;
  readonly natsPublishTimeoutMs!: number;
  readonly subjectRoot!: string;
  readonly registryStream!: string;
  readonly ipamStream!: string;
  readonly streamReplicas!: number;
  readonly duplicateWindowMs!: number;
  readonly feedDurableName!: string;
  readonly feedBatchSize!: number;
  readonly publishBatchSize!: number;
  readonly publisherRetryMs!: number;
  readonly streamCheckIntervalMs!: number;
  readonly planChangeRetentionMs!: number;

  static fromEnv(env: Record<string, string | undefined> = process.env): IpamConfig {
    const s = readEnv(
      {
        database: databaseEnv('isthmus_ipam'),
        http: httpEnv(8081),
        log: logEnv,
        auth: authEnv,
        ipam: ipamEnv,
        nats: natsEnv,
        validation: validationEnv,
      },
      env,
    );
    // Typed as every field of the class, so that a field no part sets does not compile.
    const fields: { [K in keyof IpamConfig]: IpamConfig[K] } = {
      ...s.database,
      pgPoolSize: s.database.databasePoolSize,
      ...s.http,
      ...s.log,
      ...s.auth,
      ...s.ipam,
      ...s.nats,
      ...s.validation,
    };
    return Object.assign(new IpamConfig(), fields);
  }
}
