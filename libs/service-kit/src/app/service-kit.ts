import type { Provider, Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AuthGuard } from '../auth/auth.guard';
import { AuthSettings } from '../auth/auth-settings';
import { DatabaseSettings } from '../db/database-settings';
import { HealthController } from '../health/health.controller';
import { Readiness } from '../health/readiness';
import { HttpExceptionFilter, type HttpExceptionFilterOptions } from '../http/http-exception.filter';
import { MetricsController } from '../metrics/metrics.controller';
import { ServiceMetrics } from '../metrics/service-metrics';

export interface ServiceKitOptions {
  /** The service's typed configuration; it provides the shared settings. */
  config: AuthSettings & DatabaseSettings;
  /** ServiceMetrics or the service's subclass of it. */
  metrics: Type<ServiceMetrics>;
  readiness: Type<Readiness>;
  errors: HttpExceptionFilterOptions;
}

/**
 * The controllers and providers every service's root module includes: /healthz, /readyz,
 * /metrics, the bearer-token guard on every route, and the exception filter. The service's
 * module also applies HttpMetricsMiddleware to every route (NestModule.configure).
 */
export function serviceKit(opts: ServiceKitOptions): { controllers: Type[]; providers: Provider[] } {
  const metricsProviders: Provider[] =
    opts.metrics === ServiceMetrics
      ? [ServiceMetrics]
      : [opts.metrics, { provide: ServiceMetrics, useExisting: opts.metrics }];
  return {
    controllers: [HealthController, MetricsController],
    providers: [
      { provide: AuthSettings, useValue: opts.config },
      { provide: DatabaseSettings, useValue: opts.config },
      ...metricsProviders,
      { provide: Readiness, useClass: opts.readiness },
      { provide: APP_GUARD, useClass: AuthGuard },
      { provide: APP_FILTER, useValue: new HttpExceptionFilter(opts.errors) },
    ],
  };
}
