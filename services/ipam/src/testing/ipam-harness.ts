import type { INestApplication } from '@nestjs/common';
import { createTestDatabase, type TestDatabase } from '@isthmus/testing';
import { createIpamApp, ipamLogger } from '../bootstrap';
import { IpamConfig } from '../config/config';

export const OPERATOR_TOKEN = 'ipam-operator-token-for-tests-01';
export const VIEWER_TOKEN = 'ipam-viewer-token-for-tests-001';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: any;
}

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

/** Environment for an ipam service on its own database. */
export function ipamEnv(db: TestDatabase, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: db.url,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    ISTHMUS_OPERATOR_TOKENS: OPERATOR_TOKEN,
    ISTHMUS_VIEWER_TOKENS: VIEWER_TOKEN,
    LOG_LEVEL: 'warn',
    ...overrides,
  };
}

/** Starts the ipam service in this process on a random port, with a fresh database unless one is given. */
export async function startIpam(
  opts: { env?: Record<string, string>; db?: TestDatabase } = {},
): Promise<IpamUnderTest> {
  const db = opts.db ?? (await createTestDatabase('ipam'));
  const env = ipamEnv(db, opts.env);
  const config = IpamConfig.fromEnv(env);
  // ISTHMUS_TEST_LOGS=1 shows the service's logs (text) while debugging a test.
  const app = await createIpamApp(config, {
    logger: process.env.ISTHMUS_TEST_LOGS
      ? ipamLogger(IpamConfig.fromEnv({ ...env, LOG_FORMAT: 'text', LOG_LEVEL: 'log' }))
      : false,
  });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
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

/** One HTTP request; the body is parsed when it is JSON. */
export async function request(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = OPERATOR_TOKEN,
): Promise<HttpAnswer> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON (metrics)
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** Polls until `check` returns true, or fails after `timeoutMs` saying what it waited for. */
export async function waitFor(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
