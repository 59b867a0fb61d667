// The harness every integration test uses: a fresh database per test suite, the run's shared NATS
// server, unique names, and private NATS servers for outage tests. Which PostgreSQL and NATS
// "the run's" are is decided once by global-setup.ts (containers or the machine's own services).
export { createTestDatabase, type TestDatabase } from './database';
export { natsUrl, startNatsServer, type NatsServerHandle } from './nats-server';
export { uniqueName } from './names';
export { freePort, startPostgresServer, type PostgresServerHandle } from './postgres-server';
