import type { ConsoleLogger, DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { serveOpenApi, type OpenApiInfo } from './openapi';

export interface ServiceAppOptions {
  logger: ConsoleLogger | false;
  openApi: OpenApiInfo;
  /** Largest JSON body accepted; beyond it the client gets a 413 that says so. */
  jsonLimit?: string;
}

/** Creates a service's Nest application with its OpenAPI document. Does not listen (tests use it too). */
export async function createServiceApp(
  module: DynamicModule,
  opts: ServiceAppOptions,
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(module, {
    logger: opts.logger,
    bodyParser: false,
  });
  app.useBodyParser('json', { limit: opts.jsonLimit ?? '1mb' });
  app.enableShutdownHooks();
  serveOpenApi(app, opts.openApi);
  return app;
}
