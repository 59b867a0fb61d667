// Names and defaults shared by the global setup (vitest's main process) and the helpers that run
// inside test workers. The setup hands its decisions to the workers through environment
// variables: vitest builds each forked worker's environment from process.env after the global
// setup has run, and the same variables also reach any child process a test spawns (a service
// started for an end-to-end test), which vitest's provide/inject could not do.

/** `docker`, `local`, or unset (auto: docker when the engine answers and the images exist). */
export const ENV_BACKEND = 'ISTHMUS_TEST_BACKEND';
/** Admin URL of the run's PostgreSQL server (a user allowed to CREATE DATABASE). */
export const ENV_POSTGRES_URL = 'ISTHMUS_TEST_POSTGRES_URL';
/** URL of the run's shared NATS server (JetStream enabled). */
export const ENV_NATS_URL = 'ISTHMUS_TEST_NATS_URL';
/** Identifies one `vitest run`; marks its databases and containers so teardown can reap them. */
export const ENV_RUN_ID = 'ISTHMUS_TEST_RUN_ID';
/** Image name prefix, the same variable scripts/images/build.sh reads. */
export const ENV_IMAGE_PREFIX = 'ISTHMUS_IMAGE_PREFIX';
/** nats-server binary used by startNatsServer(). */
export const ENV_NATS_SERVER_BIN = 'ISTHMUS_NATS_SERVER_BIN';
/** A directory: the private nats-servers run with -D (connections opened and closed, and why) and log there. */
export const ENV_NATS_DEBUG_DIR = 'ISTHMUS_TEST_NATS_DEBUG_DIR';

export const DEFAULT_IMAGE_PREFIX = 'isthmus-local';
/** The machine's own services (see the environment notes): trust auth for user postgres. */
export const LOCAL_POSTGRES_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';
export const LOCAL_NATS_URL = 'nats://127.0.0.1:4222';

/** Label put on the containers of one run (value: the run id). */
export const LABEL_RUN_ID = 'isthmus.test-run';
/** Label holding the pid of the vitest process that owns the containers, to reap orphans. */
export const LABEL_RUN_PID = 'isthmus.test-run.pid';
/** Prefix of the COMMENT put on each test database, followed by the run id. */
export const DATABASE_COMMENT_PREFIX = 'isthmus-test run=';

export function imagePrefix(): string {
  return process.env[ENV_IMAGE_PREFIX] || DEFAULT_IMAGE_PREFIX;
}

export function postgresImage(): string {
  return `${imagePrefix()}/postgres:15`;
}

export function natsImage(): string {
  return `${imagePrefix()}/nats:2.9`;
}

export function postgresAdminUrl(): string {
  return process.env[ENV_POSTGRES_URL] || LOCAL_POSTGRES_URL;
}
