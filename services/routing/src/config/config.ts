import {
  type AuthSettings,
  authEnv,
  type DatabaseSettings,
  databaseEnv,
  type HttpSettings,
  httpEnv,
  type LogSettings,
  logEnv,
  type NatsSettings,
  natsEnv,
  readEnv,
} from '@isthmus/service-kit';
import { routingBusEnv } from './bus-settings';
import { speakerEnv, type SpeakerSettings } from './routing-settings';

/**
 * Configuration from environment variables, validated once at start; every bad variable is
 * named in one error. The shared variables (database, HTTP, logs, auth, NATS) are the other
 * services'; only the defaults differ (database isthmus_routing, port 8082), so that all three
 * run side by side on one machine. The ROUTING_* variables are this replica's as a BGP speaker.
 */
export class RoutingConfig
  implements AuthSettings, DatabaseSettings, HttpSettings, LogSettings, NatsSettings, SpeakerSettings
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
  readonly natsUrl!: string;
  readonly natsReconnectWaitMs!: number;
  readonly natsPingIntervalMs!: number;
  readonly natsRequestTimeoutMs!: number;
  readonly natsPublishTimeoutMs!: number;
  readonly subjectRoot!: string;
  readonly registryStream!: string;
  readonly ipamStream!: string;
  readonly routingStream!: string;
  readonly streamReplicas!: number;
  readonly feedDurableName!: string;
  readonly routerId!: string;
  readonly localAsn!: number;
  readonly requireVerdict!: boolean;
  readonly staleAfterMs!: number;
  readonly sourceAddress!: string | undefined;
  readonly bgpListenAddress!: string | undefined;
  readonly bgpListenPort!: number;
  readonly configResyncMs!: number;

  static fromEnv(env: Record<string, string | undefined> = process.env): RoutingConfig {
    const s = readEnv(
      {
        database: databaseEnv('isthmus_routing'),
        http: httpEnv(8082),
        log: logEnv,
        auth: authEnv,
        nats: natsEnv,
        bus: routingBusEnv,
        speaker: speakerEnv,
      },
      env,
    );
    // Typed as every field of the class, so that a field no part sets does not compile.
    const fields: { [K in keyof RoutingConfig]: RoutingConfig[K] } = {
      ...s.database,
      pgPoolSize: s.database.databasePoolSize,
      ...s.http,
      ...s.log,
      ...s.auth,
      ...s.nats,
      ...s.bus,
      ...s.speaker,
    };
    return Object.assign(new RoutingConfig(), fields);
  }
}
