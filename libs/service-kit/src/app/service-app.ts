import path from 'node:path';
import type { ConsoleLogger, DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { applyMigrations, databaseOutcomeLine, pgConfigFromUrl } from '@isthmus/migrate';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { useJsonBody } from '../http/json-body';
import { serveOpenApi, type OpenApiInfo } from './openapi';

export interface ServiceAppOptions {
  logger: ConsoleLogger | false;
  openApi: OpenApiInfo;
  /** Largest JSON body accepted; beyond it the client gets a 413 that says so. */
  jsonLimit?: string;
  /**
   * Applies the service's pending migrations first (its `prisma/` folder under `serviceRoot`),
   * when given: every service owns its schema and migrates it at start (DESIGN.md).
   */
  migrate?: { serviceRoot: string; databaseUrl: string };
}

/**
 * Creates a service's Nest application with its OpenAPI document, after its migrations when
 * asked. Does not listen (tests use it too).
 */
export async function createServiceApp(
  module: DynamicModule,
  opts: ServiceAppOptions,
): Promise<INestApplication> {
  if (opts.migrate) {
    const { database, applied } = await applyMigrations({
      databaseUrl: opts.migrate.databaseUrl,
      schemaPath: path.join(opts.migrate.serviceRoot, 'prisma/schema.prisma'),
      migrationsDir: path.join(opts.migrate.serviceRoot, 'prisma/migrations'),
    });
    const created = databaseOutcomeLine(pgConfigFromUrl(opts.migrate.databaseUrl).database, database);
    if (created && opts.logger) opts.logger.log(created);
    if (applied.length && opts.logger) opts.logger.log(`applied migrations: ${applied.join(', ')}`);
  }
  const app = await NestFactory.create<NestExpressApplication>(module, {
    logger: opts.logger,
    bodyParser: false,
  });
  useJsonBody(app, opts.jsonLimit ?? '1mb');
  app.enableShutdownHooks();
  serveOpenApi(app, opts.openApi);
  return app;
}
