import type { INestApplication } from '@nestjs/common';
import { ensureStateStream, registryStreamOptions } from '@isthmus/bus';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import {
  createTestDatabase,
  natsUrl,
  uniqueName,
  type TestDatabase,
  pollUntil,
  httpRequest,
  type HttpAnswer,
} from '@isthmus/testing';
export type { HttpAnswer };
import { createIpamApp, ipamLogger } from '../bootstrap';
import { IpamConfig } from '../config/config';

export const OPERATOR_TOKEN = 'ipam-operator-token-for-tests-01';
export const VIEWER_TOKEN = 'ipam-viewer-token-for-tests-001';

export interface IpamUnderTest {
  url: string;
  app: INestApplication;
  config: IpamConfig;
  db: TestDatabase;
  /** Environment that starts the same service in another process (same database). */
  env: Record<string, string>;
  request(method: string, path: string, body?: unknown, token?: string | null): Promise<HttpAnswer>;
  stop(): Promise<void>;
}

/**
 * Environment for an ipam service on its own database, subject root and streams (the registry
 * stream it follows and the IPAM stream it publishes to), so test files can run side by side on
 * the run's NATS server. The replicas of one deployment share this environment.
 */
export function ipamEnv(db: TestDatabase, overrides: Record<string, string> = {}): Record<string, string> {
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
    // Takeovers and retries within a test's patience.
    PUBLISHER_RETRY_MS: '200',
    ...overrides,
  };
}

/**
 * The registry stream the service follows, empty, as the registry creates it at its start: the
 * feed catches up with it (and the service gets ready) without a registry running.
 */
export async function ensureRegistryStream(env: Record<string, string>): Promise<void> {
  const nc = await connect({ servers: env.NATS_URL! });
  try {
    const options = registryStreamOptions({
      root: env.ISTHMUS_SUBJECT_ROOT!,
      name: env.ISTHMUS_REGISTRY_STREAM!,
    });
    await ensureStateStream(await jetstreamManager(nc), options);
  } finally {
    await nc.close();
  }
}

/** Removes a test's streams, so that runs on a long-lived NATS server leave nothing behind. */
export async function deleteStreams(env: Record<string, string>): Promise<void> {
  const nc = await connect({ servers: env.NATS_URL!, maxReconnectAttempts: 0 }).catch(() => null);
  if (!nc) return; // a private server that the test stopped: its store goes with it
  try {
    const jsm = await jetstreamManager(nc);
    for (const stream of [env.ISTHMUS_REGISTRY_STREAM!, env.ISTHMUS_IPAM_STREAM!]) {
      await jsm.streams.delete(stream).catch(() => undefined);
    }
  } finally {
    await nc.close();
  }
}

/**
 * Starts the ipam service in this process on a random port, with a fresh database unless one is
 * given. Streams: those of `opts.env` when it names a subject root (a second replica, a restart;
 * the test removes them), else new ones that stop() removes. Resolves once ready, unless
 * `waitReady` is false.
 */
export async function startIpam(
  opts: {
    env?: Record<string, string>;
    db?: TestDatabase;
    /** Default true: resolve once /readyz answers 200. */
    waitReady?: boolean;
    /** Default true: create the (empty) registry stream first, as a running registry would have. */
    registryStream?: boolean;
  } = {},
): Promise<IpamUnderTest> {
  const db = opts.db ?? (await createTestDatabase('ipam'));
  const ownStreams = opts.env?.ISTHMUS_SUBJECT_ROOT === undefined;
  const env = ipamEnv(db, opts.env);
  if (opts.registryStream ?? true) await ensureRegistryStream(env);
  // Each replica (and each start) in this process its own durable consumer: the default name is
  // per process. Not kept in `env`, which a second replica may be started with.
  const config = IpamConfig.fromEnv({ FEED_DURABLE_NAME: uniqueName('ipam'), ...env });
  // ISTHMUS_TEST_LOGS=1 shows the service's logs (text) while debugging a test.
  const app = await createIpamApp(config, {
    logger: process.env.ISTHMUS_TEST_LOGS
      ? ipamLogger(IpamConfig.fromEnv({ ...env, LOG_FORMAT: 'text', LOG_LEVEL: 'log' }))
      : false,
  });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  // As a deployment waits for readiness: the feed has caught up with the registry stream.
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
      if (ownStreams) await deleteStreams(env);
      if (!opts.db) await db.drop();
    },
  };
}

/** One request to an ipam under test, as an operator unless another token (or null) is given. */
export function request(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = OPERATOR_TOKEN,
): Promise<HttpAnswer> {
  return httpRequest(baseUrl, method, path, body, token);
}
