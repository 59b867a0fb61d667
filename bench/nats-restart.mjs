#!/usr/bin/env node
// Benchmark (issue 10 §2): how long the registry takes to publish again after nats-server comes
// back, with a few hundred events waiting in its outbox.
//
//   npm run build && node bench/nats-restart.mjs [--rows 300] [--outages 3,6,10] [--repeat 2]
//
// A private nats-server (/usr/sbin/nats-server, its own store) and the registry in this process
// (its relay on the local PostgreSQL, a fresh database). For each outage length: stop the server
// (SIGTERM), write --rows node changes (they wait in the outbox), wait out the outage, start the
// server again, then time from the moment the server accepts connections
//   first   until the first of those events is stored on the stream;
//   drained until the outbox is empty and every event is stored.
// The same script runs against an older build when copied into its checkout: it uses only the
// registry's public wiring (createRegistryApp, RegistryConfig, OutboxRelay.pending).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import pg from 'pg';
import { createRegistryApp } from '../services/registry/dist/bootstrap.js';
import { RegistryConfig } from '../services/registry/dist/config/config.js';
import { OutboxRelay } from '../services/registry/dist/outbox/outbox-relay.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '300' },
    outages: { type: 'string', default: '3,6,10' },
    repeat: { type: 'string', default: '2' },
  },
});
const ROWS = Number(args.rows);
const OUTAGES = args.outages.split(',').map(Number);
const REPEAT = Number(args.repeat);

const adminUrl = process.env.DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const tag = `bench_restart_${Date.now()}`;
const dbUrl = adminUrl.replace(/\/[^/]*$/, `/${tag}`);
const port = 20000 + Math.floor(Math.random() * 20000);
const store = mkdtempSync(join(tmpdir(), 'bench-nats-'));
let server;

const portOpen = () =>
  new Promise((resolve) => {
    const s = tcpConnect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
async function startNats() {
  server = spawn('/usr/sbin/nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', store], {
    stdio: 'ignore',
  });
  while (!(await portOpen())) await new Promise((r) => setTimeout(r, 5));
  return performance.now();
}
async function stopNats() {
  const exited = new Promise((r) => server.once('exit', r));
  server.kill('SIGTERM');
  await exited;
}

await startNats();
const config = RegistryConfig.fromEnv({
  DATABASE_URL: dbUrl,
  NATS_URL: `nats://127.0.0.1:${port}`,
  ISTHMUS_AUTH_DISABLED: 'true',
  ISTHMUS_SUBJECT_ROOT: tag,
  ISTHMUS_REGISTRY_STREAM: tag.toUpperCase(),
  SOURCES_ENABLED: 'false',
  LOG_LEVEL: 'error',
});
const app = await createRegistryApp(config, { logger: false });
await app.listen(0, '127.0.0.1');
const base = `http://127.0.0.1:${app.getHttpServer().address().port}`;
const relay = app.get(OutboxRelay);
const post = async (path, body) => {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
};
const reader = await connect({
  servers: `127.0.0.1:${port}`,
  maxReconnectAttempts: -1,
  reconnectTimeWait: 20,
});
const lastSeq = async () => {
  try {
    return (
      await (
        await jetstreamManager(reader, { checkAPI: false, timeout: 500 })
      ).streams.info(config.streamName)
    ).state.last_seq;
  } catch {
    return -1;
  }
};
const until = async (check) => {
  for (;;) {
    if (await check()) return performance.now();
    await new Promise((r) => setTimeout(r, 5));
  }
};

await post('/v1/clusters', { id: 'bench', kind: 'static' });
await until(async () => (await relay.pending()) === 0 && (await lastSeq()) >= 1);

const results = [];
let round = 0;
for (let rep = 0; rep < REPEAT; rep++) {
  for (const outageS of OUTAGES) {
    round++;
    const before = await lastSeq();
    await stopNats();
    const nodes = Array.from({ length: ROWS }, (_, i) => ({
      name: `n${i}`,
      addresses: [`192.0.2.${(i % 250) + 1}`],
      labels: { round: String(round) },
    }));
    await post('/v1/clusters/bench/changes', { upsert: { nodes } });
    await new Promise((r) => setTimeout(r, outageS * 1000));
    const pending = await relay.pending();
    const up = await startNats();
    const first = await until(async () => (await lastSeq()) > before);
    const drained = await until(
      async () => (await relay.pending()) === 0 && (await lastSeq()) >= before + ROWS,
    );
    const r = { outageS, pending, firstMs: Math.round(first - up), drainedMs: Math.round(drained - up) };
    results.push(r);
    console.log(
      `outage ${outageS} s, ${pending} events waiting: first stored ${r.firstMs} ms after the server was back, all ${r.drainedMs} ms`,
    );
  }
}
const worst = results.reduce((a, b) => (b.drainedMs > a.drainedMs ? b : a));
console.log(`worst: all stored ${worst.drainedMs} ms after the server was back (outage ${worst.outageS} s)`);

await reader.close();
await app.close();
await stopNats();
rmSync(store, { recursive: true, force: true });
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS "${tag}" WITH (FORCE)`);
await admin.end();
process.exit(0);
