import type { INestApplication } from '@nestjs/common';
import {
  createTestDatabase,
  httpRequest,
  natsUrl,
  pollUntil,
  uniqueName,
  type HttpAnswer,
  type TestDatabase,
} from '@isthmus/testing';
export type { HttpAnswer };
import { BusConnection, ensureStateStream } from '@isthmus/bus';
import { ipamSubjects, registrySubjects } from '@isthmus/contracts';
import { createRoutingApp, routingLogger } from '../bootstrap';
import { RoutingConfig } from '../config/config';

export const OPERATOR_TOKEN = 'routing-operator-token-for-tests';
export const VIEWER_TOKEN = 'routing-viewer-token-for-tests-1';
/** This replica's router id in tests (ROUTING_ROUTER_ID). */
export const ROUTER_ID = '10.255.0.1';

export interface RoutingUnderTest {
  url: string;
  app: INestApplication;
  config: RoutingConfig;
  db: TestDatabase;
  /** Environment that starts another replica on the same database. */
  env: Record<string, string>;
  request(method: string, path: string, body?: unknown, token?: string | null): Promise<HttpAnswer>;
  stop(): Promise<void>;
}

/** Environment for a routing service on its own database and subject root. */
export function routingEnv(db: TestDatabase, overrides: Record<string, string> = {}): Record<string, string> {
  const root = uniqueName('t').toLowerCase();
  return {
    DATABASE_URL: db.url,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    ISTHMUS_OPERATOR_TOKENS: OPERATOR_TOKEN,
    ISTHMUS_VIEWER_TOKENS: VIEWER_TOKEN,
    LOG_LEVEL: 'warn',
    NATS_URL: natsUrl(),
    ISTHMUS_SUBJECT_ROOT: root,
    ISTHMUS_REGISTRY_STREAM: `${root.toUpperCase()}_REGISTRY`,
    ISTHMUS_IPAM_STREAM: `${root.toUpperCase()}_IPAM`,
    ROUTING_ROUTER_ID: ROUTER_ID,
    ...overrides,
  };
}

/**
 * Starts the routing service in this process on a random port, with a fresh database unless one
 * is given (a second replica, a restart). Resolves once ready, unless `waitReady` is false.
 */
export async function startRouting(
  opts: { env?: Record<string, string>; db?: TestDatabase; waitReady?: boolean } = {},
): Promise<RoutingUnderTest> {
  const db = opts.db ?? (await createTestDatabase('routing'));
  const env = routingEnv(db, opts.env);
  const config = RoutingConfig.fromEnv(env);
  // What the registry and ipam would have created: routing follows these streams and is ready
  // once it has replayed them (empty here unless the test publishes into them).
  await ensureUpstreamStreams(config);
  // ISTHMUS_TEST_LOGS=1 shows the service's logs (text) while debugging a test.
  const app = await createRoutingApp(config, {
    logger: process.env.ISTHMUS_TEST_LOGS
      ? routingLogger(RoutingConfig.fromEnv({ ...env, LOG_FORMAT: 'text', LOG_LEVEL: 'log' }))
      : false,
  });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  if (opts.waitReady ?? true) {
    try {
      await pollUntil(
        'readiness',
        async () => (await request(url, 'GET', '/readyz', undefined, null)).status === 200,
        { intervalMs: 50 },
      );
    } catch (e) {
      await app.close();
      throw e;
    }
  }
  return {
    url,
    app,
    config,
    db,
    env,
    request: (method, path, body, token = OPERATOR_TOKEN) => request(url, method, path, body, token),
    async stop() {
      await app.close();
      if (!opts.db) await db.drop();
    },
  };
}

/** The registry's and IPAM's streams of a test's subject root, as those services create them. */
export async function ensureUpstreamStreams(config: {
  natsUrl: string;
  subjectRoot: string;
  registryStream: string;
  ipamStream: string;
}): Promise<void> {
  const bus = new BusConnection(config.natsUrl, 'routing-test-streams', undefined, {
    reconnectTimeWaitMs: 100,
  });
  try {
    const jsm = await bus.jetstreamManager();
    await ensureStateStream(jsm, {
      name: config.registryStream,
      subjects: [registrySubjects(config.subjectRoot).all.registry],
    });
    await ensureStateStream(jsm, {
      name: config.ipamStream,
      subjects: [ipamSubjects(config.subjectRoot).all.ipam],
    });
  } finally {
    await bus.close();
  }
}

/** One request to a routing service under test, as an operator unless another token (or null) is given. */
export function request(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = OPERATOR_TOKEN,
): Promise<HttpAnswer> {
  return httpRequest(baseUrl, method, path, body, token);
}
