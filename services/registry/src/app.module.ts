import {
  type DynamicModule,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  type Provider,
} from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AuthGuard } from './auth/auth.guard';
import { ClustersController } from './clusters/clusters.controller';
import { ClustersService } from './clusters/clusters.service';
import { RegistryConfig } from './config/config';
import { PgService } from './db/pg.service';
import { PrismaService } from './db/prisma.service';
import { HealthController } from './health/health.controller';
import { HttpExceptionFilter } from './http/http-exception.filter';
import { ClusterInventoryController, InventoryController } from './inventory/inventory.controller';
import { InventoryService } from './inventory/inventory.service';
import { HttpMetricsMiddleware } from './metrics/http-metrics.middleware';
import { MetricsController } from './metrics/metrics.controller';
import { RegistryMetrics } from './metrics/registry-metrics';
import { BusService } from './outbox/bus.service';
import { OutboxRelay } from './outbox/outbox-relay';
import { RegistryWriter } from './writer/registry-writer';
import { TombstonePurger } from './writer/tombstone-purger';
import { SourceManager } from './sources/source-manager';

@Module({})
export class RegistryModule implements NestModule {
  /** The configuration is built (and validated) before the module, and passed in. */
  static forRoot(config: RegistryConfig, extraProviders: Provider[] = []): DynamicModule {
    return {
      module: RegistryModule,
      controllers: [
        ClustersController,
        ClusterInventoryController,
        InventoryController,
        HealthController,
        MetricsController,
      ],
      providers: [
        { provide: RegistryConfig, useValue: config },
        PrismaService,
        PgService,
        RegistryMetrics,
        RegistryWriter,
        TombstonePurger,
        SourceManager,
        BusService,
        OutboxRelay,
        ClustersService,
        InventoryService,
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
        ...extraProviders,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*path');
  }
}
