import { type DynamicModule, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { HttpMetricsMiddleware, PgService, ServiceMetrics, serviceKit } from '@isthmus/service-kit';
import { RoutingConfig } from './config/config';
import { SpeakerSettings } from './config/routing-settings';
import { RoutingReadiness } from './health/routing-readiness';
import { ConfigMetrics } from './metrics/config-metrics';
import { RoutingMetrics } from './metrics/routing-metrics';
import { RoutesController } from './routes/routes.controller';
import { RoutesService } from './routes/routes.service';
import { RoutingBus, RoutingRuntime } from './runtime/routing-runtime';
import { PeerStore } from './peers/peer-store';
import { PeersController } from './peers/peers.controller';
import { PeersFeed } from './peers/peers-feed';
import { PeersService } from './peers/peers.service';
import { ClusterPoliciesController } from './policies/cluster-policies.controller';
import { ClusterPoliciesFeed } from './policies/cluster-policies-feed';
import { ClusterPoliciesService } from './policies/cluster-policies.service';
import { ClusterPolicyStore } from './policies/cluster-policy-store';

@Module({})
export class RoutingModule implements NestModule {
  /** The configuration is built (and validated) before the module, and passed in. */
  static forRoot(config: RoutingConfig): DynamicModule {
    const kit = serviceKit({
      config,
      metrics: ServiceMetrics,
      readiness: RoutingReadiness,
      errors: { service: 'routing', retryNote: 'nothing was changed' },
    });
    return {
      module: RoutingModule,
      controllers: [PeersController, ClusterPoliciesController, RoutesController, ...kit.controllers],
      providers: [
        { provide: RoutingConfig, useValue: config },
        { provide: SpeakerSettings, useValue: config },
        PgService,
        PeerStore,
        PeersFeed,
        PeersService,
        ClusterPolicyStore,
        ClusterPoliciesFeed,
        ClusterPoliciesService,
        ConfigMetrics,
        RoutingBus,
        RoutingRuntime,
        RoutesService,
        RoutingMetrics,
        ...kit.providers,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*path');
  }
}
