import {
  type DynamicModule,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  type Provider,
} from '@nestjs/common';
import { HttpMetricsMiddleware, PgService, serviceKit } from '@isthmus/service-kit';
import { ClustersController } from './clusters/clusters.controller';
import { ClustersService } from './clusters/clusters.service';
import { RegistryConfig } from './config/config';
import { PrismaService } from './db/prisma.service';
import { RegistryReadiness } from './health/registry-readiness';
import { ClusterInventoryController, InventoryController } from './inventory/inventory.controller';
import { InventoryService } from './inventory/inventory.service';
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
    const kit = serviceKit({
      config,
      metrics: RegistryMetrics,
      readiness: RegistryReadiness,
      errors: {
        service: 'registry',
        retryNote: 'writes are whole states: a retried write is applied once',
      },
    });
    return {
      module: RegistryModule,
      controllers: [ClustersController, ClusterInventoryController, InventoryController, ...kit.controllers],
      providers: [
        { provide: RegistryConfig, useValue: config },
        PrismaService,
        PgService,
        RegistryWriter,
        TombstonePurger,
        SourceManager,
        BusService,
        OutboxRelay,
        ClustersService,
        InventoryService,
        ...kit.providers,
        ...extraProviders,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*path');
  }
}
