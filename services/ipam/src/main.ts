import 'reflect-metadata';
import { ConfigError } from '@isthmus/service-kit';
import { createIpamApp, ipamLogger } from './bootstrap';
import { IpamConfig } from './config/config';

async function main(): Promise<void> {
  let config: IpamConfig;
  try {
    config = IpamConfig.fromEnv();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const logger = ipamLogger(config);
  if (config.authDisabled)
    logger.warn('authentication is DISABLED (ISTHMUS_AUTH_DISABLED=true): for local development only');
  const app = await createIpamApp(config, { logger });
  await app.listen(config.httpPort, config.httpHost);
  logger.log(`ipam listening on http://${config.httpHost}:${config.httpPort} (OpenAPI at /openapi.json)`);
}

main().catch((e: unknown) => {
  process.stderr.write(`ipam failed to start: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
});
