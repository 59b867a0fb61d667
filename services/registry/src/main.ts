import 'reflect-metadata';
import { ConfigError } from '@isthmus/service-kit';
import { RegistryConfig } from './config/config';
import { createRegistryApp, registryLogger } from './bootstrap';

async function main(): Promise<void> {
  let config: RegistryConfig;
  try {
    config = RegistryConfig.fromEnv();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const logger = registryLogger(config);
  if (config.authDisabled)
    logger.warn('authentication is DISABLED (ISTHMUS_AUTH_DISABLED=true): for local development only');
  const app = await createRegistryApp(config, { logger });
  await app.listen(config.httpPort, config.httpHost);
  logger.log(`registry listening on http://${config.httpHost}:${config.httpPort} (OpenAPI at /openapi.json)`);
}

main().catch((e: unknown) => {
  process.stderr.write(`registry failed to start: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
});
