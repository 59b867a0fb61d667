import type { ConsoleLogger, INestApplication } from '@nestjs/common';
import { ConfigError } from '../config/config-error';

/** What a service's entry point needs of its configuration. */
export interface RunnableConfig {
  authDisabled: boolean;
  httpHost: string;
  httpPort: number;
}

export interface ServiceEntry<C extends RunnableConfig> {
  /** Used in messages: "registry", "ipam". */
  name: string;
  /** Reads and validates the environment; a ConfigError lists every bad variable. */
  readConfig: () => C;
  logger: (config: C) => ConsoleLogger;
  createApp: (config: C, logger: ConsoleLogger) => Promise<INestApplication>;
}

/**
 * A service's main(): invalid configuration exits with status 2 and the list of what is wrong
 * (nothing started); any other failure to start exits with status 1 and its stack.
 */
export function runService<C extends RunnableConfig>(entry: ServiceEntry<C>): void {
  start(entry).catch((e: unknown) => {
    process.stderr.write(`${entry.name} failed to start: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(1);
  });
}

async function start<C extends RunnableConfig>(entry: ServiceEntry<C>): Promise<void> {
  let config: C;
  try {
    config = entry.readConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const logger = entry.logger(config);
  if (config.authDisabled)
    logger.warn('authentication is DISABLED (ISTHMUS_AUTH_DISABLED=true): for local development only');
  const app = await entry.createApp(config, logger);
  await app.listen(config.httpPort, config.httpHost);
  logger.log(
    `${entry.name} listening on http://${config.httpHost}:${config.httpPort} (OpenAPI at /openapi.json)`,
  );
}
