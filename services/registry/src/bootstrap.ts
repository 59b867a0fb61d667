import path from 'node:path';
import { ConsoleLogger, type INestApplication, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Request, Response } from 'express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { applyMigrations } from '@isthmus/migrate';
import { RegistryModule } from './app.module';
import { RegistryConfig } from './config/config';

const SERVICE_ROOT = path.resolve(__dirname, '..');

export function registryLogger(config: RegistryConfig): ConsoleLogger {
  const levels = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
  return new ConsoleLogger('registry', {
    json: config.logFormat === 'json',
    colors: config.logFormat === 'text',
    logLevels: levels.slice(0, levels.indexOf(config.logLevel) + 1) as never,
  });
}

/** Builds the application: migrations, Nest, OpenAPI. Does not listen (tests use it too). */
export async function createRegistryApp(
  config: RegistryConfig,
  opts: { extraProviders?: Provider[]; logger?: ConsoleLogger | false } = {},
): Promise<INestApplication> {
  const logger = opts.logger === undefined ? registryLogger(config) : opts.logger;
  if (config.migrateOnStart) {
    const applied = await applyMigrations({
      databaseUrl: config.databaseUrl,
      schemaPath: path.join(SERVICE_ROOT, 'prisma/schema.prisma'),
      migrationsDir: path.join(SERVICE_ROOT, 'prisma/migrations'),
    });
    if (applied.length && logger) logger.log(`applied migrations: ${applied.join(', ')}`);
  }
  const app = await NestFactory.create<NestExpressApplication>(
    RegistryModule.forRoot(config, opts.extraProviders),
    {
      logger: logger === false ? false : logger,
      bodyParser: false,
    },
  );
  // Large enough for a batch of 10,000 changes; beyond that the client gets a 413 that says so.
  app.useBodyParser('json', { limit: '32mb' });
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Isthmus registry')
      .setDescription(
        'Clusters, nodes, pod blocks, services and endpoints of every registered orchestrator. ' +
          'Reads need a viewer or operator bearer token, writes an operator token.',
      )
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  app.use('/openapi.json', (_req: Request, res: Response) => void res.json(document));
  return app;
}
