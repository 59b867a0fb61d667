import path from 'node:path';
import type { ConsoleLogger, INestApplication } from '@nestjs/common';
import { createServiceApp, serviceLogger } from '@isthmus/service-kit';
import { RoutingModule } from './app.module';
import { RoutingConfig } from './config/config';

const SERVICE_ROOT = path.resolve(__dirname, '..');

export function routingLogger(config: RoutingConfig): ConsoleLogger {
  return serviceLogger('routing', config);
}

/** Builds the application: migrations, Nest, OpenAPI. Does not listen (tests use it too). */
export async function createRoutingApp(
  config: RoutingConfig,
  opts: { logger?: ConsoleLogger | false } = {},
): Promise<INestApplication> {
  const logger = opts.logger === undefined ? routingLogger(config) : opts.logger;
  return createServiceApp(RoutingModule.forRoot(config), {
    logger,
    ...(config.migrateOnStart
      ? { migrate: { serviceRoot: SERVICE_ROOT, databaseUrl: config.databaseUrl } }
      : {}),
    openApi: {
      title: 'Isthmus routing',
      description:
        'The BGP peers (route reflectors) every routing replica advertises the pod blocks of every ' +
        "cluster to, and each cluster's routing policy (whether it is advertised, its communities). " +
        'Reads need a viewer or operator bearer token, writes an operator token.',
    },
  });
}
