#!/usr/bin/env node
// Benchmark (issue 2): 100,000 endpoint changes through the registry's writer in batches,
// timed until committed AND published on JetStream.
//
//   npm run build && node bench/registry-writer.mjs [--changes 100000] [--services 10000] [--batch 1000]
//                                                   [--private-nats] [--json] [--profile FILE]
//
// Two phases, both timed until every event is stored on the stream:
//  sync   every service appears with all its endpoints (a watcher's initial list): 10,000
//         service states carrying 100,000 endpoints;
//  churn  100,000 endpoint changes, each flipping the readiness of one endpoint. A batch touches
//         each service at most once, so nothing is coalesced away: 100,000 endpoint changes =
//         100,000 new service states of 10 endpoints (about 1.5 KB each) = 100,000 events.
// Uses the local Postgres (DATABASE_ADMIN_URL) and NATS (NATS_URL), or with --private-nats a
// nats-server of its own, so that the server's CPU time per event can be told apart from the
// shared server's other traffic. The churn phase reports CPU time per event of this process, of
// its PostgreSQL backends (and, apart, of PostgreSQL's shared background processes) and of the
// private nats-server, read from /proc before and after the phase. --profile writes a V8 CPU
// profile of this process over the churn phase alone (open it in Chrome DevTools).
import { performance } from 'node:perf_hooks';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import pg from 'pg';
import { cpuSince, cpuSnapshot } from './lib/process-cpu.mjs';
import { startPrivateNats } from './lib/private-nats.mjs';
import { createRegistryApp } from '../services/registry/dist/bootstrap.js';
import { RegistryConfig } from '../services/registry/dist/config/config.js';
import { RegistryWriter } from '../services/registry/dist/writer/registry-writer.js';
import { OutboxRelay } from '../services/registry/dist/outbox/outbox-relay.js';

const { values: args } = parseArgs({
  options: {
    changes: { type: 'string', default: '100000' },
    services: { type: 'string', default: '10000' },
    endpoints: { type: 'string', default: '10' },
    batch: { type: 'string', default: '1000' },
    inflight: { type: 'string', default: '4' },
    'private-nats': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    profile: { type: 'string' },
  },
});
const CHANGES = Number(args.changes);
const SERVICES = Number(args.services);
const ENDPOINTS = Number(args.endpoints);
const BATCH = Number(args.batch);
const INFLIGHT = Number(args.inflight);
if (BATCH > SERVICES)
  throw new Error('--batch must not exceed --services (a batch touches each service once)');

const adminUrl = process.env.DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const privateNats = args['private-nats'] ? await startPrivateNats() : undefined;
const natsUrl = privateNats?.url ?? process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const tag = `bench_${Date.now()}`;
const dbUrl = adminUrl.replace(/\/[^/]*$/, `/${tag}`) + (process.env.BENCH_DB_OPTIONS ?? '');
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();

const config = RegistryConfig.fromEnv({
  DATABASE_URL: dbUrl,
  NATS_URL: process.env.BENCH_REGISTRY_NATS_URL ?? natsUrl,
  ISTHMUS_AUTH_DISABLED: 'true',
  ISTHMUS_SUBJECT_ROOT: tag,
  ISTHMUS_REGISTRY_STREAM: tag.toUpperCase(),
  WRITER_MAX_BATCH: process.env.WRITER_MAX_BATCH ?? String(BATCH),
  WRITER_CONCURRENCY: process.env.WRITER_CONCURRENCY ?? '2',
  RELAY_BATCH_SIZE: '5000',
  RELAY_POLL_INTERVAL_MS: '20',
  ...(process.env.RELAY_HANDOFF_MAX ? { RELAY_HANDOFF_MAX: process.env.RELAY_HANDOFF_MAX } : {}),
  LOG_LEVEL: 'warn',
});
const app = await createRegistryApp(config, { logger: false });
await app.init();
const writer = app.get(RegistryWriter);
const relay = app.get(OutboxRelay);
const nc = await connect({ servers: natsUrl });
const jsm = await jetstreamManager(nc);

const cluster = 'bench';
await app
  .get((await import('../services/registry/dist/clusters/clusters.service.js')).ClustersService)
  .create({
    id: cluster,
    kind: 'static',
    connection: {},
    labels: {},
    exportDefault: true,
  });

const endpointsOf = (s, flipped) =>
  Array.from({ length: ENDPOINTS }, (_, e) => ({
    address: `10.${(s >> 8) & 255}.${s & 255}.${e + 1}`,
    ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
    node: `node-${s % 1000}`,
    hostname: null,
    ready: !flipped.has(e),
    serving: !flipped.has(e),
    terminating: false,
  }));
const serviceState = (s, flipped) => ({
  cluster,
  namespace: `ns-${s % 100}`,
  name: `svc-${s}`,
  type: 'ClusterIP',
  clusterIPs: [`172.20.${(s >> 8) & 255}.${s & 255}`],
  loadBalancerIPs: [],
  externalName: null,
  ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: null }],
  labels: { app: `svc-${s}` },
  exported: true,
  endpoints: endpointsOf(s, flipped),
});

const storedCount = async () => (await jsm.streams.info(config.streamName)).state.last_seq;
async function drained(expected) {
  for (;;) {
    if ((await relay.pending()) === 0 && (await storedCount()) >= expected) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

// Phase 1, sync: every service appears with all its endpoints, as in a watcher's initial list
// (SERVICES x ENDPOINTS endpoints in SERVICES service states).
const flippedBy = Array.from({ length: SERVICES }, () => new Set());
const syncBatches = [];
for (let s = 0; s < SERVICES; s += BATCH) {
  const changes = [];
  for (let i = s; i < Math.min(s + BATCH, SERVICES); i++)
    changes.push({ kind: 'service', op: 'upsert', state: serviceState(i, flippedBy[i]) });
  syncBatches.push(changes);
}
const s0 = performance.now();
await Promise.all(syncBatches.map((b) => writer.submit(b)));
await drained(1 + SERVICES);
const syncMs = performance.now() - s0;
const base = await storedCount();

// Phase 2, churn: CHANGES endpoint changes, BATCH per writer call, INFLIGHT calls at a time.
const batches = [];
for (let c = 0, n = 0; c < CHANGES; n++) {
  const changes = [];
  for (let i = 0; i < BATCH && c < CHANGES; i++, c++) {
    const s = (n * BATCH + i) % SERVICES;
    const e = Math.floor(c / SERVICES) % ENDPOINTS;
    const flipped = flippedBy[s];
    flipped.has(e) ? flipped.delete(e) : flipped.add(e);
    changes.push({ kind: 'service', op: 'upsert', state: serviceState(s, flipped) });
  }
  batches.push(changes);
}
const { RegistryMetrics } = await import('../services/registry/dist/metrics/registry-metrics.js');
const metrics = app.get(RegistryMetrics);
const histSum = async (h) => (await h.get()).values.find((v) => v.metricName.endsWith('_sum'))?.value ?? 0;
const writerBusy0 = await histSum(metrics.writerBatchSeconds);
const relayBusy0 = await histSum(metrics.relayRoundSeconds);
const pgPids = async (where, param) =>
  (await admin.query(`SELECT pid FROM pg_stat_activity WHERE ${where}`, param)).rows.map((r) => r.pid);
const cpuGroups = {
  node: async () => [process.pid],
  postgres: () => pgPids('datname = $1', [tag]),
  'postgres background': () =>
    pgPids(`backend_type IN ('walwriter', 'checkpointer', 'background writer', 'autovacuum launcher')`),
  ...(privateNats ? { 'nats-server': async () => [privateNats.pid] } : {}),
};
const profiler = args.profile ? new Session() : undefined;
if (profiler) {
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.start');
}
// How far the relay falls behind the writer: events committed and not yet published, as the
// relay's hand-off holds them (sampled; a private field, read for the bench only).
let maxBacklog = 0;
const backlogTimer = setInterval(() => {
  maxBacklog = Math.max(maxBacklog, relay.committedEvents?.size ?? 0);
}, 50);
const cpu0 = await cpuSnapshot(cpuGroups);
const t0 = performance.now();
let next = 0;
let changed = 0;
await Promise.all(
  Array.from({ length: INFLIGHT }, async () => {
    while (next < batches.length) {
      const result = await writer.submit(batches[next++]);
      changed += result.changed;
    }
  }),
);
const committedMs = performance.now() - t0;
await drained(base + CHANGES);
const publishedMs = performance.now() - t0;
const cpu = cpuSince(cpu0, await cpuSnapshot(cpuGroups));
clearInterval(backlogTimer);
if (profiler) {
  const { profile } = await profiler.post('Profiler.stop');
  writeFileSync(args.profile, JSON.stringify(profile));
  profiler.disconnect();
}
const stored = (await storedCount()) - base;
const writerBusy = (await histSum(metrics.writerBatchSeconds)) - writerBusy0;
const relayBusy = (await histSum(metrics.relayRoundSeconds)) - relayBusy0;

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const rate = (n, ms) => fmt(n / (ms / 1000));
console.log(`sync: ${fmt(SERVICES)} new services with ${fmt(SERVICES * ENDPOINTS)} endpoints`);
console.log(
  `  committed and published     ${(syncMs / 1000).toFixed(2)} s  (${rate(SERVICES * ENDPOINTS, syncMs)} endpoints/s in ${rate(SERVICES, syncMs)} service states/s)`,
);
console.log(
  `churn: ${fmt(CHANGES)} endpoint changes over ${fmt(SERVICES)} services x ${ENDPOINTS} endpoints, each a new service state; batches of ${BATCH}, ${INFLIGHT} in flight`,
);
console.log(`  entity changes written      ${fmt(changed)}`);
console.log(`  events stored on JetStream  ${fmt(stored)}`);
console.log(
  `  committed                   ${(committedMs / 1000).toFixed(2)} s  (${fmt(CHANGES / (committedMs / 1000))} changes/s)`,
);
console.log(
  `  committed and published     ${(publishedMs / 1000).toFixed(2)} s  (${fmt(CHANGES / (publishedMs / 1000))} changes/s)`,
);
console.log(
  `  writer in transactions      ${writerBusy.toFixed(2)} s; relay in rounds ${relayBusy.toFixed(2)} s`,
);
const outboxRead = metrics.outboxRead ? ((await metrics.outboxRead.get()).values[0]?.value ?? 0) : undefined;
if (outboxRead !== undefined)
  console.log(`  payloads read back          ${fmt(outboxRead)} (the rest from memory)`);
console.log(`  relay behind by at most     ${fmt(maxBacklog)} events (sampled every 50 ms)`);
const cpuLine = Object.entries(cpu)
  .map(([name, us]) => `${name} ${(us / CHANGES).toFixed(1)}`)
  .join(', ');
console.log(`  CPU µs per event            ${cpuLine}`);
console.log(
  `  load average                ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(
  `  target                      20,000 changes/s committed and published: ${CHANGES / (publishedMs / 1000) >= 20000 ? 'met' : 'NOT met'}`,
);

await app.close();
await jsm.streams.delete(config.streamName).catch(() => {});
await nc.close();
await admin.query(`DROP DATABASE IF EXISTS "${tag}" WITH (FORCE)`);
await admin.end();
await privateNats?.stop();
if (args.json) {
  console.log(
    JSON.stringify({
      churnPerSecond: CHANGES / (publishedMs / 1000),
      syncPerSecond: (SERVICES * ENDPOINTS) / (syncMs / 1000),
      cpuMicrosPerEvent: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, v / CHANGES])),
      maxBacklog,
      outboxRead,
      loadavg: loadavg(),
    }),
  );
}
if (stored !== CHANGES || changed !== CHANGES) {
  console.error(
    `MISMATCH: expected ${CHANGES} changes and events, got ${changed} written and ${stored} stored`,
  );
  process.exit(1);
}
