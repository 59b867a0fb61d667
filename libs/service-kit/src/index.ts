// What every Isthmus NestJS service shares (DESIGN.md, "Interfaces"): configuration from the
// environment validated at start, bearer-token auth, domain errors to HTTP statuses (503 while
// the database is away), zod input, keyset pages, OpenAPI, Prometheus metrics, health and
// readiness, structured logs, and a PostgreSQL pool that survives connection loss. A service's
// own domain stays in the service.
export { ConfigError } from './config/config-error';
export { envPart, readEnv, type EnvPart, type EnvProblem, type SettingsOf } from './config/env-part';
export { envBoolean, envInt, envTokenList } from './config/env-values';

export { AuthSettings, authEnv } from './auth/auth-settings';
export { AuthGuard, Public } from './auth/auth.guard';
export { BearerTokens, requiredRole, type Role } from './auth/bearer-tokens';

export { DomainError, InvalidInputError, NotFoundError, ConflictError } from './http/domain-errors';
export { HttpExceptionFilter, type HttpExceptionFilterOptions } from './http/http-exception.filter';
export { isDependencyUnavailable } from './http/dependency-errors';
export { parseInput, ZodPipe, openApiSchema } from './http/zod-input';
export { PageQuery, encodeCursor, decodeCursor, pageOf, type Page } from './http/pagination';
export { ApiRoute } from './http/api-docs';

export { ServiceMetrics } from './metrics/service-metrics';
export { HttpMetricsMiddleware } from './metrics/http-metrics.middleware';
export { MetricsController } from './metrics/metrics.controller';

export { HealthController } from './health/health.controller';
export { Readiness, answers } from './health/readiness';

export { LogSettings, logEnv, LOG_LEVELS, type LogLevel } from './logging/log-settings';
export { serviceLogger } from './logging/service-logger';

export { DatabaseSettings, databaseEnv } from './db/database-settings';
export { NatsSettings, natsEnv, natsServers } from './bus/nats-settings';
export { PgService } from './db/pg.service';
export { ChangeListener, type ChangeListenerOptions } from './db/change-listener';
export { endClient } from './db/end-client';
export { prismaSql, type Sql, type PrismaRawSql } from './db/sql';

export { HttpSettings, httpEnv } from './app/http-settings';
export { serveOpenApi, type OpenApiInfo } from './app/openapi';
export { createServiceApp, type ServiceAppOptions } from './app/service-app';
export { runService, type RunnableConfig, type ServiceEntry } from './app/run-service';
export { serviceKit, type ServiceKitOptions } from './app/service-kit';
