#!/usr/bin/env node
// Benchmark (issue 3): the Kubernetes source.
//
//   npm run build && node bench/kube-source.mjs [--nodes 1000] [--services 10000] [--endpoints 10] [--rate 1000] [--seconds 10]
//
// A fake Kubernetes API server (libs/fake-kube) runs in a child process with 1,000 nodes,
// 10,000 services and 100,000 endpoints (one EndpointSlice of 10 per service). The registry runs
// in this process against the local PostgreSQL and NATS.
//  1. initial sync: from registering the cluster until it is `synced` and every node, pod block
//     and service is on the stream;
//  2. churn: RATE EndpointSlice changes per second for SECONDS; each change puts a new hostname
//     on one endpoint, and its latency runs from the moment the fake API server sends it on the
//     watch to the moment the service's event is published on JetStream (seen by a subscriber).
import { fork } from 'node:child_process';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import pg from 'pg';
import { createRegistryApp } from '../services/registry/dist/bootstrap.js';
import { RegistryConfig } from '../services/registry/dist/config/config.js';

const { values: a } = parseArgs({
  options: {
    nodes: { type: 'string', default: '1000' },
    services: { type: 'string', default: '10000' },
    endpoints: { type: 'string', default: '10' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
  },
});
const NODES = Number(a.nodes),
  SERVICES = Number(a.services),
  ENDPOINTS = Number(a.endpoints);
const RATE = Number(a.rate),
  SECONDS = Number(a.seconds);
const now = () => performance.timeOrigin + performance.now();

const adminUrl = process.env.DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const tag = `kbench_${Date.now()}`;

const child = fork(new URL('./lib/fake-kube-process.mjs', import.meta.url), { stdio: 'inherit' });
const reply = (op) => new Promise((resolve) => child.on('message', (m) => m.op === op && resolve(m)));
await reply('ready');
const seededAt = performance.now();
child.send({ op: 'seed', nodes: NODES, services: SERVICES, endpoints: ENDPOINTS });
const { kubeconfig } = await reply('seeded');
console.log(
  `fake API server seeded with ${NODES} nodes, ${SERVICES} services, ${SERVICES * ENDPOINTS} endpoints in ${((performance.now() - seededAt) / 1000).toFixed(1)} s`,
);

const config = RegistryConfig.fromEnv({
  DATABASE_URL: adminUrl.replace(/\/[^/]*$/, `/${tag}`),
  NATS_URL: natsUrl,
  ISTHMUS_AUTH_DISABLED: 'true',
  ISTHMUS_SUBJECT_ROOT: tag,
  ISTHMUS_REGISTRY_STREAM: tag.toUpperCase(),
  RELAY_POLL_INTERVAL_MS: '20',
  SOURCE_SYNC_INTERVAL_MS: '500',
  LOG_LEVEL: 'warn',
});
const app = await createRegistryApp(config, { logger: false });
await app.listen(0, '127.0.0.1');
const url = `http://127.0.0.1:${app.getHttpServer().address().port}`;
const nc = await connect({ servers: natsUrl });
const jsm = await jetstreamManager(nc);

// Every service event, timestamped on arrival, with the marker hostname of its first endpoint.
const arrivals = new Map();
const sub = nc.subscribe(`${tag}.registry.service.>`);
(async () => {
  for await (const m of sub) {
    const t = now();
    const text = new TextDecoder().decode(m.data);
    const h = /"hostname":"s(\d+)"/.exec(text);
    if (h && !arrivals.has(Number(h[1]))) arrivals.set(Number(h[1]), t);
  }
})();

const stored = async () => {
  try {
    return (await jsm.streams.info(config.streamName)).state.messages;
  } catch {
    return 0;
  }
};
const status = async () => (await (await fetch(`${url}/v1/clusters/bench`)).json()).status;

// 1. initial sync
const t0 = performance.now();
await fetch(`${url}/v1/clusters`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ id: 'bench', kind: 'kubernetes', connection: { kubeconfig } }),
});
const expected = 1 + NODES * 2 + SERVICES; // the cluster, nodes, their pod blocks, services
// Done when the cluster is synced, every entity is on the stream and the outbox is empty: churn
// must not start while the registry is still relaying the sync (it would measure the backlog).
const { OutboxRelay } = await import('../services/registry/dist/outbox/outbox-relay.js');
const relay = app.get(OutboxRelay);
let syncedAt = null;
for (;;) {
  if (!syncedAt && (await status()) === 'synced') syncedAt = performance.now();
  if (syncedAt && (await stored()) >= expected && (await relay.pending()) === 0) break;
  await new Promise((r) => setTimeout(r, 20));
}
const syncMs = performance.now() - t0;

// 2. churn, with what could explain its tail: this process's event-loop delay (GC pauses, long
// synchronous work) and the longest writer transaction and relay round.
const { RegistryMetrics } = await import('../services/registry/dist/metrics/registry-metrics.js');
const metrics = app.get(RegistryMetrics);
const histogramMax = async (h) => {
  const buckets = (await h.get()).values.filter((v) => v.metricName.endsWith('_bucket'));
  const total = buckets.find((b) => b.labels.le === '+Inf')?.value ?? 0;
  const le = buckets.find((b) => b.value >= total)?.labels.le;
  return le === '+Inf' ? 'over the largest bucket' : `at most ${Number(le) * 1000} ms`;
};
metrics.writerBatchSeconds.reset();
metrics.relayRoundSeconds.reset();
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
child.send({ op: 'churn', rate: RATE, seconds: SECONDS, services: SERVICES, endpoints: ENDPOINTS });
const { sent, seconds } = await reply('churned');
loop.disable();
const deadline = Date.now() + 30_000;
while (sent.some(([seq]) => !arrivals.has(seq)) && Date.now() < deadline)
  await new Promise((r) => setTimeout(r, 50));
const latencies = sent
  .filter(([seq]) => arrivals.has(seq))
  .map(([seq, t]) => arrivals.get(seq) - t)
  .sort((x, y) => x - y);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];

console.log(`initial sync: ${NODES} nodes, ${SERVICES} services, ${SERVICES * ENDPOINTS} endpoints`);
console.log(`  registered -> synced          ${((syncedAt - t0) / 1000).toFixed(2)} s`);
console.log(`  registered -> all published   ${(syncMs / 1000).toFixed(2)} s  (target: under 10 s)`);
console.log(
  `churn: ${sent.length} EndpointSlice changes in ${seconds.toFixed(1)} s (${Math.round(sent.length / seconds)}/s)`,
);
console.log(`  published                     ${latencies.length} of ${sent.length}`);
console.log(
  `  latency API server -> JetStream  p50 ${pct(50).toFixed(1)} ms  p90 ${pct(90).toFixed(1)} ms  p99 ${pct(99).toFixed(1)} ms  max ${latencies[latencies.length - 1].toFixed(1)} ms  (target: p99 under 50 ms)`,
);

console.log(
  `  registry event-loop delay     p50 ${(loop.percentile(50) / 1e6).toFixed(1)} ms  p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms  max ${(loop.max / 1e6).toFixed(1)} ms`,
);
console.log(`  longest writer transaction    ${await histogramMax(metrics.writerBatchSeconds)}`);
console.log(`  longest relay round           ${await histogramMax(metrics.relayRoundSeconds)}`);

sub.unsubscribe();
await app.close();
await jsm.streams.delete(config.streamName).catch(() => {});
await nc.close();
child.send({ op: 'stop' });
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS "${tag}" WITH (FORCE)`);
await admin.end();
if (latencies.length !== sent.length) process.exit(1);
