import type { INestApplication, Provider } from '@nestjs/common';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import {
  createTestDatabase,
  natsUrl,
  uniqueName,
  type TestDatabase,
  httpRequest,
  type HttpAnswer,
} from '@isthmus/testing';
import { createRegistryApp, registryLogger } from '../bootstrap';
import { RegistryConfig } from '../config/config';

export const OPERATOR_TOKEN = 'operator-token-for-tests-000001';
export const VIEWER_TOKEN = 'viewer-token-for-tests-0000001';

export interface RegistryUnderTest {
  url: string;
  app: INestApplication;
  config: RegistryConfig;
  db: TestDatabase;
  /** Environment that starts the same registry in another process (same database, stream, subjects). */
  env: Record<string, string>;
  request(
    method: string,
    path: string,
    body?: unknown,
    token?: string | null,
  ): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

/** Environment for a registry with its own database, stream and subject root. */
export function registryEnv(
  db: TestDatabase,
  overrides: Record<string, string> = {},
): Record<string, string> {
  const root = uniqueName('t').toLowerCase();
  return {
    DATABASE_URL: db.url,
    NATS_URL: natsUrl(),
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    ISTHMUS_OPERATOR_TOKENS: OPERATOR_TOKEN,
    ISTHMUS_VIEWER_TOKENS: VIEWER_TOKEN,
    ISTHMUS_SUBJECT_ROOT: root,
    ISTHMUS_REGISTRY_STREAM: root.toUpperCase(),
    RELAY_POLL_INTERVAL_MS: '50',
    // Source tests turn watching on; elsewhere clusters of kind kubernetes are just records.
    SOURCES_ENABLED: 'false',
    LOG_LEVEL: 'warn',
    ...overrides,
  };
}

/** Starts a registry in this process on a random port, with a fresh database. */
export async function startRegistry(
  opts: { env?: Record<string, string>; db?: TestDatabase; providers?: Provider[] } = {},
): Promise<RegistryUnderTest> {
  const db = opts.db ?? (await createTestDatabase('registry'));
  const env = registryEnv(db, opts.env);
  const config = RegistryConfig.fromEnv(env);
  // ISTHMUS_TEST_LOGS=1 shows the registry's logs (text) while debugging a test.
  const app = await createRegistryApp(config, {
    extraProviders: opts.providers ?? [],
    logger: process.env.ISTHMUS_TEST_LOGS
      ? registryLogger(RegistryConfig.fromEnv({ ...env, LOG_FORMAT: 'text', LOG_LEVEL: 'log' }))
      : false,
  });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  return {
    url,
    app,
    config,
    db,
    env,
    request: (method, path, body, token = OPERATOR_TOKEN) => request(url, method, path, body, token),
    async stop() {
      await app.close();
      await deleteStream(config.streamName, config.natsUrl);
      if (!opts.db) await db.drop();
    },
  };
}

/** One request to a registry under test, as an operator unless another token (or null) is given. */
export function request(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = OPERATOR_TOKEN,
): Promise<HttpAnswer> {
  return httpRequest(baseUrl, method, path, body, token);
}

/** Removes a test's stream, so that runs on a long-lived NATS server leave nothing behind. */
export async function deleteStream(stream: string, servers: string): Promise<void> {
  const nc = await connect({ servers, maxReconnectAttempts: 0 }).catch(() => null);
  if (!nc) return; // a private server that the test stopped: its store goes with it
  try {
    await (await jetstreamManager(nc)).streams.delete(stream);
  } catch {
    // never created, or already gone
  } finally {
    await nc.close();
  }
}

/** Reads the registry's stream: what it holds per subject, and how many messages it ever stored. */
export class StreamReader {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    readonly stream: string,
  ) {}

  static async open(stream: string, servers = natsUrl()): Promise<StreamReader> {
    // Back quickly after a server restart: a test reads the stream right after the relay drained.
    const nc = await connect({ servers, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    return new StreamReader(nc, await jetstreamManager(nc), stream);
  }

  /** Messages ever stored (sequence numbers are never reused); 0 when the stream does not exist yet. */
  async storedCount(): Promise<number> {
    try {
      return (await this.jsm.streams.info(this.stream)).state.last_seq;
    } catch {
      return 0;
    }
  }

  async lastFor(subject: string): Promise<any | null> {
    try {
      const m = await this.jsm.direct.getMessage(this.stream, { last_by_subj: subject });
      return m ? JSON.parse(new TextDecoder().decode(m.data)) : null;
    } catch {
      return null;
    }
  }

  /** The current (last) message of every subject, decoded. */
  async all(): Promise<Map<string, any>> {
    const out = new Map<string, any>();
    let info;
    try {
      info = await this.jsm.streams.info(this.stream);
    } catch {
      return out;
    }
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      try {
        const m = await this.jsm.direct.getMessage(this.stream, { seq });
        if (m) out.set(m.subject, JSON.parse(new TextDecoder().decode(m.data)));
      } catch {
        // a sequence whose message was replaced by a newer one of its subject
      }
    }
    return out;
  }

  async close(): Promise<void> {
    await this.nc.close();
  }
}
