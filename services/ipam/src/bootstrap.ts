import path from 'node:path';
import type { ConsoleLogger, INestApplication } from '@nestjs/common';
import { applyMigrations } from '@isthmus/migrate';
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
  if (config.migrateOnStart) {
    const applied = await applyMigrations({
      databaseUrl: config.databaseUrl,
      schemaPath: path.join(SERVICE_ROOT, 'prisma/schema.prisma'),
      migrationsDir: path.join(SERVICE_ROOT, 'prisma/migrations'),
    });
    if (applied.length && logger) logger.log(`applied migrations: ${applied.join(', ')}`);
  }
  return createServiceApp(IpamModule.forRoot(config), {
    logger,
    openApi: {
      title: 'Isthmus IPAM',
      description:
        'Address pools and their allocations to clusters (pods, services, load balancers), which can ' +
        'never overlap. Reads need a viewer or operator bearer token, writes an operator token.',
    },
  });
}
