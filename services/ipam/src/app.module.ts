import { type DynamicModule, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { HttpMetricsMiddleware, PgService, serviceKit } from '@isthmus/service-kit';
import { AllocationStore } from './allocations/allocation-store';
import { FreeSpaceStore } from './allocations/free-space-store';
import { AllocationsController, PoolAllocationsController } from './allocations/allocations.controller';
import { AllocationsService } from './allocations/allocations.service';
import { IpamConfig } from './config/config';
import { IpamReadiness } from './health/ipam-readiness';
import { IpamMetrics } from './metrics/ipam-metrics';
import { PoolStore } from './pools/pool-store';
import { PoolsController } from './pools/pools.controller';
import { PoolsService } from './pools/pools.service';
import { validationParts } from './validation/validation-parts';

@Module({})
export class IpamModule implements NestModule {
  /** The configuration is built (and validated) before the module, and passed in. */
  static forRoot(config: IpamConfig): DynamicModule {
    const kit = serviceKit({
      config,
      metrics: IpamMetrics,
      readiness: IpamReadiness,
      errors: { service: 'ipam', retryNote: 'nothing was allocated or released' },
    });
    const validation = validationParts(config);
    return {
      module: IpamModule,
      controllers: [
        PoolsController,
        PoolAllocationsController,
        AllocationsController,
        ...validation.controllers,
        ...kit.controllers,
      ],
      providers: [
        { provide: IpamConfig, useValue: config },
        PgService,
        PoolStore,
        AllocationStore,
        FreeSpaceStore,
        PoolsService,
        AllocationsService,
        ...validation.providers,
        ...kit.providers,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*path');
  }
}
