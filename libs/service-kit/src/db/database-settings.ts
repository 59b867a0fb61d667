import { z } from 'zod';
import { envPart } from '../config/env-part';
import { envBoolean, envInt } from '../config/env-values';

/** What the database clients need; a Nest provider token (the service's config object provides it). */
export abstract class DatabaseSettings {
  abstract readonly databaseUrl: string;
  abstract readonly databasePoolSize: number;
  abstract readonly migrateOnStart: boolean;
  /**
   * Connections of PgService. Unset: half of databasePoolSize, at least 2, for a service whose
   * Prisma client has the databasePoolSize connections beside it.
   */
  readonly pgPoolSize?: number;
}

/** Each service has its own database; `database` is its name on a local server by default. */
export const databaseEnv = (database: string) =>
  envPart(
    {
      DATABASE_URL: z
        .url({ protocol: /^postgres(ql)?$/, message: 'must be a postgresql:// URL' })
        .default(`postgresql://postgres@127.0.0.1:5432/${database}`),
      DATABASE_POOL_SIZE: envInt(1, 100).default(10),
      MIGRATE_ON_START: envBoolean.default(true),
    },
    (e): DatabaseSettings => ({
      databaseUrl: e.DATABASE_URL,
      databasePoolSize: e.DATABASE_POOL_SIZE,
      migrateOnStart: e.MIGRATE_ON_START,
    }),
  );
