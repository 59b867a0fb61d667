import path from 'node:path';
import type { ConsoleLogger, INestApplication } from '@nestjs/common';
import { createServiceApp, serviceLogger } from '@isthmus/service-kit';
import { IpamModule } from './app.module';
import { IpamConfig } from './config/config';

const SERVICE_ROOT = path.resolve(__dirname, '..');

export function ipamLogger(config: IpamConfig): ConsoleLogger {
  return serviceLogger('ipam', config);
}

/** Builds the application: migrations, Nest, OpenAPI. Does not listen (tests use it too). */
export async function createIpamApp(
  config: IpamConfig,
  opts: { logger?: ConsoleLogger | false } = {},
): Promise<INestApplication> {
  const logger = opts.logger === undefined ? ipamLogger(config) : opts.logger;
  return createServiceApp(IpamModule.forRoot(config), {
    logger,
    ...(config.migrateOnStart
      ? { migrate: { serviceRoot: SERVICE_ROOT, databaseUrl: config.databaseUrl } }
      : {}),
    openApi: {
      title: 'Isthmus IPAM',
      description:
        'Address pools and their allocations to clusters (pods, services, load balancers), which can ' +
        'never overlap. Reads need a viewer or operator bearer token, writes an operator token.',
    },
  });
}
