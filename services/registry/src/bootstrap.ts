import path from 'node:path';
import type { ConsoleLogger, INestApplication, Provider } from '@nestjs/common';
import { createServiceApp, serviceLogger } from '@isthmus/service-kit';
import { RegistryModule } from './app.module';
import { RegistryConfig } from './config/config';

const SERVICE_ROOT = path.resolve(__dirname, '..');

export function registryLogger(config: RegistryConfig): ConsoleLogger {
  return serviceLogger('registry', config);
}

/** Builds the application: migrations, Nest, OpenAPI. Does not listen (tests use it too). */
export async function createRegistryApp(
  config: RegistryConfig,
  opts: { extraProviders?: Provider[]; logger?: ConsoleLogger | false } = {},
): Promise<INestApplication> {
  const logger = opts.logger === undefined ? registryLogger(config) : opts.logger;
  return createServiceApp(RegistryModule.forRoot(config, opts.extraProviders), {
    logger,
    ...(config.migrateOnStart
      ? { migrate: { serviceRoot: SERVICE_ROOT, databaseUrl: config.databaseUrl } }
      : {}),
    // Large enough for a batch of 10,000 changes; beyond that the client gets a 413 that says so.
    jsonLimit: '32mb',
    openApi: {
      title: 'Isthmus registry',
      description:
        'Clusters, nodes, pod blocks, services and endpoints of every registered orchestrator. ' +
        'Reads need a viewer or operator bearer token, writes an operator token.',
    },
  });
}
