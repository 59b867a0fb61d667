#!/usr/bin/env node
// Benchmark (issue 4): validation of pod blocks end to end, from the registry stream to the IPAM
// stream, through the real service (services/ipam/dist/main.js in its own process), PostgreSQL
// and NATS JetStream.
//
//   npm run build && node bench/ipam-validation-e2e.mjs [--blocks 100000] [--clusters 100] [--singles 200]
//
// Plan: pool 10.0.0.0/8, one pods allocation (/16) per cluster, BLOCKS /26 blocks spread over
// the clusters (every verdict `valid`).
//  1. replay   the BLOCKS block events are on the registry stream before the service starts:
//              time from start to ready (feed caught up) and until every verdict is stored;
//  2. load     the service running, BLOCKS changes published as fast as the registry's relay
//              would (batches of 2000): every block moves to another node, so every verdict
//              changes. Throughput, and the lag of each change (batch acknowledged -> its
//              verdict received), p50/p99;
//  3. singles  after the load, SINGLES changes one at a time, each waiting for its verdict:
//              end-to-end lag of a single change, p50/p99.
// Uses the local PostgreSQL (DATABASE_ADMIN_URL) and NATS (NATS_URL); removes what it creates.
// BENCH_IPAM_NODE_ARGS passes node flags to the service (a CPU profile: "--cpu-prof --cpu-prof-dir=DIR").
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import pg from 'pg';
import { ensureStateStream, publishBatchInOrder, registryStreamOptions } from '../libs/bus/dist/index.js';
import { decodeIpamEvent, ipamSubjects, subjectOf } from '../libs/contracts/dist/index.js';

const { values: a } = parseArgs({
  options: {
    blocks: { type: 'string', default: '100000' },
    clusters: { type: 'string', default: '100' },
    singles: { type: 'string', default: '200' },
  },
});
const BLOCKS = Number(a.blocks);
const CLUSTERS = Number(a.clusters);
const SINGLES = Number(a.singles);
if (CLUSTERS > 256 || Math.ceil(BLOCKS / CLUSTERS) > 1024)
  throw new Error('the plan is a /16 per cluster in a /8');

const adminUrl = process.env.DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const tag = `bench_${Date.now()}`;
const root = tag;
const registryStream = `${tag.toUpperCase()}_REGISTRY`;
const ipamStream = `${tag.toUpperCase()}_IPAM`;
const dbUrl = adminUrl.replace(/\/[^/]*$/, `/${tag}`);
const port = 18000 + Math.floor(Math.random() * 1000);
const url = `http://127.0.0.1:${port}`;
const encoder = new TextEncoder();
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const secs = (ms) => `${(ms / 1000).toFixed(2)} s`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const nc = await connect({ servers: natsUrl });
const jsm = await jetstreamManager(nc);
await ensureStateStream(jsm, registryStreamOptions({ root, name: registryStream }));
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();

// The registry's side: block events with increasing revisions, published in batches of 2000 as
// the outbox relay does (each subject once per batch).
let revision = 0;
const clusterOf = (n) => `cluster-${n % CLUSTERS}`;
const cidrOf = (n) => {
  const c = n % CLUSTERS;
  const i = Math.floor(n / CLUSTERS);
  return `10.${c}.${i >> 2}.${(i & 3) * 64}/26`;
};
const blockEvent = (n, node) => ({
  kind: 'block',
  revision: ++revision,
  at: new Date().toISOString(),
  deleted: false,
  state: {
    cluster: clusterOf(n),
    cidr: cidrOf(n),
    node,
    nextHop: '192.0.2.1',
    source: 'calico-blockaffinity',
  },
});
async function publish(events) {
  const messages = events.map((e) => ({
    subject: subjectOf(e, root),
    data: encoder.encode(JSON.stringify(e)),
    msgId: String(e.revision),
  }));
  await publishBatchInOrder(nc, messages, { expectedStream: registryStream, timeoutMs: 30_000 });
}
/** Publishes in batches; `sentAt[i]` is when the batch holding event i was acknowledged. */
async function publishAll(events, sentAt = []) {
  for (let i = 0; i < events.length; i += 2000) {
    const batch = events.slice(i, i + 2000);
    await publish(batch);
    const at = performance.now();
    for (let j = i; j < i + batch.length; j++) sentAt[j] = at;
  }
  return sentAt;
}

// Every verdict the service publishes, as it arrives (a plain subscription sees each message).
const verdictSubject = (n) => ipamSubjects(root).verdict(clusterOf(n), cidrOf(n));
const arrivals = new Map(); // subject -> [{ node, at }]
let received = 0;
const waiters = new Map(); // subject -> resolve
const sub = nc.subscribe(ipamSubjects(root).all.verdicts());
void (async () => {
  for await (const m of sub) {
    const at = performance.now();
    const event = decodeIpamEvent(m.subject, m.data, root);
    if (event.deleted) continue;
    received++;
    let list = arrivals.get(m.subject);
    if (!list) arrivals.set(m.subject, (list = []));
    list.push({ node: event.state.node, at });
    waiters.get(`${m.subject} ${event.state.node}`)?.(at);
  }
})();
const storedVerdicts = async () => {
  const info = await jsm.streams.info(ipamStream).catch(() => undefined);
  return info?.state.messages ?? 0;
};
async function until(what, check, timeoutMs = 600_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

let ipam;
function startIpam() {
  // BENCH_IPAM_NODE_ARGS: extra node flags for the service, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = (process.env.BENCH_IPAM_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [...nodeArgs, new URL('../services/ipam/dist/main.js', import.meta.url).pathname],
    {
      env: {
        ...process.env,
        DATABASE_URL: dbUrl,
        NATS_URL: natsUrl,
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: String(port),
        ISTHMUS_AUTH_DISABLED: 'true',
        ISTHMUS_SUBJECT_ROOT: root,
        ISTHMUS_REGISTRY_STREAM: registryStream,
        ISTHMUS_IPAM_STREAM: ipamStream,
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'text',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  return child;
}
const http = async (method, path, body) => {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json().catch(() => undefined) };
};
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const describeLags = (lags) => {
  const s = [...lags].sort((x, y) => x - y);
  return `p50 ${percentile(s, 50).toFixed(1)} ms, p99 ${percentile(s, 99).toFixed(1)} ms, max ${s[s.length - 1].toFixed(1)} ms`;
};

try {
  // The address plan first (the service creates its database and applies its migrations).
  ipam = startIpam();
  await until(
    'the service to answer',
    async () => (await fetch(`${url}/healthz`).catch(() => null))?.ok === true,
    60_000,
  );
  if ((await http('POST', '/v1/pools', { name: 'bench', cidr: '10.0.0.0/8' })).status !== 201)
    throw new Error('pool');
  for (let c = 0; c < CLUSTERS; c++) {
    const res = await http('POST', '/v1/pools/bench/allocations', {
      cluster: `cluster-${c}`,
      purpose: 'pods',
      cidr: `10.${c}.0.0/16`,
    });
    if (res.status !== 201) throw new Error(`allocation ${c}: ${res.status}`);
  }
  ipam.kill('SIGTERM');
  await new Promise((r) => ipam.once('exit', r));

  // 1. replay
  await publishAll(Array.from({ length: BLOCKS }, (_, n) => blockEvent(n, `node-${n % 1000}`)));
  const r0 = performance.now();
  ipam = startIpam();
  await until('readiness', async () => (await fetch(`${url}/readyz`).catch(() => null))?.ok === true);
  const readyMs = performance.now() - r0;
  await until('every verdict stored', async () => (await storedVerdicts()) >= BLOCKS);
  const replayMs = performance.now() - r0;
  const validCount = async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    return Number(/^isthmus_ipam_block_verdicts\{status="valid"\} (\d+)$/m.exec(text)?.[1]);
  };
  if ((await validCount()) !== BLOCKS)
    throw new Error(`expected ${BLOCKS} valid verdicts, got ${await validCount()}`);

  // 2. load: every block moves to another node.
  const base = (await jsm.streams.info(ipamStream)).state.last_seq;
  const moves = Array.from({ length: BLOCKS }, (_, n) => blockEvent(n, `moved-${n % 1000}`));
  const l0 = performance.now();
  const sentAt = await publishAll(moves);
  const publishedMs = performance.now() - l0;
  await until(
    'every moved verdict stored',
    async () => (await jsm.streams.info(ipamStream)).state.last_seq - base >= BLOCKS,
  );
  const loadMs = performance.now() - l0;
  const loadLags = [];
  for (let n = 0; n < BLOCKS; n++) {
    const subject = verdictSubject(n);
    const got = arrivals.get(subject)?.find((x) => x.node === `moved-${n % 1000}`);
    if (got) loadLags.push(got.at - sentAt[n]);
  }

  // 3. singles: one change at a time after the load.
  const singleLags = [];
  for (let i = 0; i < SINGLES; i++) {
    const n = (i * 7919) % BLOCKS;
    const node = `single-${i}`;
    const event = blockEvent(n, node);
    const arrived = new Promise((resolve) => waiters.set(`${verdictSubject(n)} ${node}`, resolve));
    const t = performance.now();
    await publish([event]);
    const at = await Promise.race([arrived, sleep(30_000).then(() => undefined)]);
    if (at === undefined) throw new Error(`no verdict for single change ${i}`);
    singleLags.push(at - t);
  }

  console.log(`plan: ${fmt(CLUSTERS)} clusters, a /16 pods allocation each; ${fmt(BLOCKS)} /26 blocks`);
  console.log('replay (blocks on the registry stream before the service starts)');
  console.log(`  ready (feed caught up)        ${secs(readyMs)}`);
  console.log(
    `  every verdict stored          ${secs(replayMs)}  (${fmt(BLOCKS / (replayMs / 1000))} blocks/s from process start)`,
  );
  console.log(`load (${fmt(BLOCKS)} block moves published in batches of 2000)`);
  console.log(
    `  published on the registry     ${secs(publishedMs)}  (${fmt(BLOCKS / (publishedMs / 1000))} events/s)`,
  );
  console.log(
    `  every verdict stored          ${secs(loadMs)}  (${fmt(BLOCKS / (loadMs / 1000))} verdicts/s)`,
  );
  console.log(`  lag per change                ${describeLags(loadLags)} (${fmt(loadLags.length)} measured)`);
  console.log(`singles (${SINGLES} changes one at a time, after the load)`);
  console.log(`  end-to-end lag                ${describeLags(singleLags)}`);
  console.log(`verdict messages received       ${fmt(received)}`);
} finally {
  if (ipam && ipam.exitCode === null) {
    ipam.kill('SIGTERM');
    await new Promise((r) => ipam.once('exit', r));
  }
  sub.unsubscribe();
  for (const s of [registryStream, ipamStream]) await jsm.streams.delete(s).catch(() => {});
  await nc.close();
  await admin.query(`DROP DATABASE IF EXISTS "${tag}" WITH (FORCE)`);
  await admin.end();
}
