// vitest globalSetup (see vitest.config.mts): runs once per `vitest run`, in vitest's main
// process, before any worker starts. It decides where this run's PostgreSQL and NATS come from
// and tells the workers through environment variables (see env.ts for why not provide/inject):
//
//   ISTHMUS_TEST_BACKEND=docker  one PostgreSQL and one NATS (-js) container, from the local
//                                images that scripts/images/build.sh makes; fails if unusable
//   ISTHMUS_TEST_BACKEND=local   the machine's own services (127.0.0.1:5432 / :4222)
//   unset                        docker when an engine answers and both images exist, else local
//
// The returned function is vitest's teardown: it removes the containers (Ryuk, testcontainers'
// own reaper, cannot run here because its image cannot be pulled) and the run's databases.
import { connect as tcpConnect } from 'node:net';
import { Client } from 'pg';
import { dropDatabase, listRunDatabases } from './database';
import { dockerAvailable, imageExists, listContainers, removeContainer, removeNetworks } from './docker';
import {
  ENV_BACKEND,
  ENV_NATS_URL,
  ENV_POSTGRES_URL,
  ENV_RUN_ID,
  LABEL_RUN_ID,
  LABEL_RUN_PID,
  LOCAL_NATS_URL,
  LOCAL_POSTGRES_URL,
  natsImage,
  postgresImage,
} from './env';
import { reapStaleNatsStores } from './nats-server';
import { uniqueName } from './names';
import { isAlive } from './pids';

type Backend = 'docker' | 'local';

const TAG = '[isthmus/testing]';

function say(line: string): void {
  // The one line per run that says where the services come from; a plain write, because the
  // repository's lint rules keep console.* out of library code.
  process.stdout.write(`${TAG} ${line}\n`);
}

async function chooseBackend(): Promise<{ backend: Backend; reason: string }> {
  const requested = (process.env[ENV_BACKEND] ?? '').trim().toLowerCase();
  if (requested === 'local') return { backend: 'local', reason: `${ENV_BACKEND}=local` };
  if (requested !== '' && requested !== 'docker' && requested !== 'auto') {
    throw new Error(`${ENV_BACKEND} must be "docker", "local" or unset, not "${requested}"`);
  }

  const missing: string[] = [];
  const docker = await dockerAvailable();
  if (!docker) missing.push('no Docker engine answers');
  else {
    for (const image of [postgresImage(), natsImage()]) {
      if (!(await imageExists(image))) missing.push(`image ${image} is missing`);
    }
  }

  if (requested === 'docker') {
    if (missing.length > 0) {
      throw new Error(
        `${ENV_BACKEND}=docker, but ${missing.join(', ')}. Run \`bash scripts/images/build.sh\` (as root) ` +
          `to start the engine and build the images, or use ${ENV_BACKEND}=local.`,
      );
    }
    return { backend: 'docker', reason: `${ENV_BACKEND}=docker` };
  }
  return missing.length === 0
    ? { backend: 'docker', reason: 'auto: Docker engine and local images found' }
    : { backend: 'local', reason: `auto: ${missing.join(', ')}` };
}

/**
 * Removes containers left by earlier runs whose vitest process is gone (killed before its
 * teardown). Containers of runs still in progress, e.g. a second `vitest` in another terminal,
 * are left alone: their owner is alive.
 */
async function reapOrphans(): Promise<void> {
  for (const container of await listContainers([LABEL_RUN_PID])) {
    const pid = Number(container.Labels?.[LABEL_RUN_PID]);
    if (Number.isInteger(pid) && pid > 0 && !isAlive(pid)) await removeContainer(container.Id);
  }
}

interface Services {
  postgresUrl: string;
  natsUrl: string;
  describe: string;
  teardown(): Promise<void>;
}

async function startContainers(runId: string): Promise<Services> {
  // testcontainers reads these when it first talks to Docker, so setting them here is in time.
  // Ryuk: its image would have to be pulled, which is impossible here; teardown cleans up instead.
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  // With /.dockerenv present (these machines are containers themselves) testcontainers would
  // reach mapped ports through the bridge gateway; a local engine publishes them on 127.0.0.1.
  const dockerHost = process.env.DOCKER_HOST;
  if (!dockerHost || dockerHost.startsWith('unix://'))
    process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';

  // Loaded only now: a run on the local backend does not pay for it.
  const { GenericContainer, Wait } = await import('testcontainers');
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');

  await reapOrphans();
  const labels = { [LABEL_RUN_ID]: runId, [LABEL_RUN_PID]: String(process.pid) };

  // No registry is reachable, so a missing image must fail at once rather than try to pull.
  // testcontainers 11.9 has no PullPolicy.neverPull(): its default policy pulls exactly when the
  // image is missing. chooseBackend() has checked that both images exist, so nothing is pulled.
  const postgres = new PostgreSqlContainer(postgresImage())
    .withUsername('postgres')
    .withPassword('postgres')
    .withDatabase('postgres')
    .withLabels(labels)
    // Throwaway data: durability settings off make CREATE DATABASE and commits much faster.
    // More connections than the default 100, since every test database gets its own pools.
    .withCommand([
      'postgres',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=300',
    ])
    .withStartupTimeout(60_000)
    .start();
  const nats = new GenericContainer(natsImage())
    .withCommand(['-js'])
    .withExposedPorts(4222)
    .withLabels(labels)
    .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
    .withStartupTimeout(60_000)
    .start();

  const [pg, nc] = await Promise.allSettled([postgres, nats]);
  const started = [pg, nc].flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const teardown = async (): Promise<void> => {
    await Promise.allSettled(started.map((c) => c.stop()));
    // Whatever stop() missed, and anything a test labelled with this run's id.
    for (const container of await listContainers(['org.testcontainers=true', `${LABEL_RUN_ID}=${runId}`])) {
      await removeContainer(container.Id);
    }
    await removeNetworks(['org.testcontainers=true', `${LABEL_RUN_ID}=${runId}`]);
  };
  if (pg.status === 'rejected' || nc.status === 'rejected') {
    await teardown();
    throw pg.status === 'rejected' ? pg.reason : (nc as PromiseRejectedResult).reason;
  }

  const postgresUrl = pg.value.getConnectionUri();
  const natsUrl = `nats://${nc.value.getHost()}:${nc.value.getMappedPort(4222)}`;
  return {
    postgresUrl,
    natsUrl,
    describe: `postgres ${postgresImage()} at ${pg.value.getHost()}:${pg.value.getPort()}, nats ${natsImage()} at ${natsUrl.slice('nats://'.length)}`,
    teardown,
  };
}

function probeTcp(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host, port, timeout: 3_000 }, () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => socket.destroy(new Error('connection timed out')));
    socket.once('error', reject);
  });
}

async function useLocalServices(): Promise<Services> {
  // An explicitly given URL wins (e.g. a developer's own server); else the machine's services.
  const postgresUrl = process.env[ENV_POSTGRES_URL] || LOCAL_POSTGRES_URL;
  const natsUrl = process.env[ENV_NATS_URL] || LOCAL_NATS_URL;

  // Fail here, once, with the fix, rather than in every test with a bare ECONNREFUSED.
  const client = new Client({ connectionString: postgresUrl, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    throw new Error(
      `local backend: PostgreSQL at ${redact(postgresUrl)} is not usable (${(err as Error).message}). ` +
        'Start it with `pg_ctlcluster --skip-systemctl-redirect 15 main start`, or run with Docker ' +
        '(`bash scripts/images/build.sh`).',
    );
  } finally {
    await client.end().catch(() => undefined);
  }
  const nats = new URL(natsUrl);
  try {
    await probeTcp(nats.hostname, Number(nats.port || 4222));
  } catch (err) {
    throw new Error(
      `local backend: NATS at ${natsUrl} is not reachable (${(err as Error).message}). Start it with ` +
        '`start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 ' +
        '-p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log`.',
    );
  }
  return {
    postgresUrl,
    natsUrl,
    describe: `postgres at ${redact(postgresUrl)}, nats at ${natsUrl}`,
    teardown: async () => undefined,
  };
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

export default async function setup(): Promise<() => Promise<void>> {
  const runId = uniqueName('run');
  process.env[ENV_RUN_ID] = runId;

  const { backend, reason } = await chooseBackend();
  const t0 = Date.now();
  const services = backend === 'docker' ? await startContainers(runId) : await useLocalServices();
  process.env[ENV_POSTGRES_URL] = services.postgresUrl;
  process.env[ENV_NATS_URL] = services.natsUrl;
  // The resolved choice, for tests and child processes that want to know (never "auto").
  process.env[ENV_BACKEND] = backend;
  say(`backend: ${backend} (${reason}); ${services.describe}; ready in ${Date.now() - t0} ms`);

  return async () => {
    // Databases a test did not drop. On the docker backend they go with the container anyway.
    if (backend === 'local') {
      try {
        for (const name of await listRunDatabases(services.postgresUrl, runId)) {
          await dropDatabase(name, services.postgresUrl);
        }
      } catch (err) {
        say(`warning: could not drop this run's leftover databases: ${(err as Error).message}`);
      }
    }
    try {
      await services.teardown();
    } catch (err) {
      say(`warning: container cleanup failed: ${(err as Error).message}`);
    }
    // The workers have ended by now; the stores of their startNatsServer() servers can go.
    reapStaleNatsStores();
  };
}
