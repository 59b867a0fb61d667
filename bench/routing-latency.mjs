#!/usr/bin/env node
// Benchmark (issue 11): from a registry change (a new node block committed) to the route in
// BIRD's table, through the real services, each in its own process: registry → JetStream →
// IPAM (verdict) → JetStream → routing → BGP → BIRD 2 as route reflector (AS 64511, 127.0.0.91).
//
//   npm run build && node bench/routing-latency.mjs [--rates 100,1000] [--seconds 5] [--nodes 100]
//     [--per-request 1]
//
// For each rate R, R new /26 blocks a second for SECONDS, open loop: block i is sent at
// start + i/R, one block per `POST /v1/clusters/bench/changes` of a static cluster (or
// --per-request N blocks in each, R/N requests a second), whatever the answers before it are doing. Each block's latency is BIRD's own import time of its route
// (`timeformat route iso long us`, the wall clock of this machine) minus
//  - `sent`: when its request left this process (an upper bound: it includes the HTTP hop and
//    the registry's writer queue before the commit), and
//  - `acked`: when the registry answered 200, i.e. after its transaction committed.
// Uses the local PostgreSQL (DATABASE_ADMIN_URL) and NATS (NATS_URL); removes what it creates.
import { parseArgs } from 'node:util';
import { httpRequest, spawnService } from '../libs/testing/dist/index.js';
import { parseBirdTime } from '../libs/testing/dist/bgp/bird/timestamps.js';
import { nextHopAddress as nodeAddress } from './bgp-reflector-baseline.mjs';
import {
  ASN,
  TOKEN,
  blockOf as blockFrom,
  must,
  serviceMain,
  startRoutingStack,
  wallNow,
  withCleanup,
} from './lib/routing-stack.mjs';

const { values: a } = parseArgs({
  options: {
    rates: { type: 'string', default: '100,1000' },
    seconds: { type: 'string', default: '5' },
    'per-request': { type: 'string', default: '1' },
    nodes: { type: 'string', default: '100' },
    json: { type: 'boolean', default: false },
  },
});
const RATES = a.rates.split(',').map(Number);
const SECONDS = Number(a.seconds);
/** Blocks per `POST …/changes`: RATE blocks a second leave as RATE / PER_REQUEST requests. */
const PER_REQUEST = Number(a['per-request']);
const NODES = Number(a.nodes);
const BIRD_ADDRESS = '127.0.0.91';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The i-th /26 of 10.64.0.0/10 (the cluster's allocation). */
const blockOf = (i) => blockFrom(0x0a400000, i);

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The registry's group commit so far (isthmus_registry_writer_dependent_group_size). */
async function dependentGroups(registry) {
  const text = String((await httpRequest(registry.url, 'GET', '/metrics', undefined, TOKEN)).body);
  const read = (what) =>
    Number(
      new RegExp(`^isthmus_registry_writer_dependent_group_size_${what} (\\S+)$`, 'm').exec(text)?.[1] ?? 0,
    );
  return { count: read('count'), sum: read('sum') };
}

async function run(cleanup) {
  const { birds, registry, ipam, routingEnv } = await startRoutingStack({
    tag: 'bench_rl',
    reflectors: [BIRD_ADDRESS],
    cleanup,
  });
  const { bird, port: birdPort } = birds[0];
  const routing = await spawnService('routing', serviceMain('routing'), {
    ...routingEnv,
    // A CPU profile of the routing service under the load (bench/lib/cpu-profile-preload.mjs).
    NODE_OPTIONS: process.env.BENCH_ROUTING_NODE_OPTIONS ?? '',
  });
  cleanup.push(() => routing.kill());
  await must(ipam, 'POST', '/v1/pools', { name: 'pods', cidr: '10.0.0.0/8' }, 201);
  await must(
    ipam,
    'POST',
    '/v1/pools/pods/allocations',
    { cluster: 'bench', purpose: 'pods', cidr: '10.64.0.0/10' },
    201,
  );
  await must(registry, 'POST', '/v1/clusters', { id: 'bench', kind: 'static' }, 201);
  const nodes = Array.from({ length: NODES }, (_, k) => ({ name: `node-${k}`, addresses: [nodeAddress(k)] }));
  await must(registry, 'POST', '/v1/clusters/bench/changes', { upsert: { nodes } }, 200);
  await must(routing, 'POST', '/v1/peers', { address: BIRD_ADDRESS, port: birdPort, peerAsn: ASN }, 201);
  await bird.waitForEstablished('routing', { timeoutMs: 60_000 });

  // A warm-up block, so that connections, JIT and the first UPDATE are not in the figures.
  let next = 0;
  await must(
    registry,
    'POST',
    '/v1/clusters/bench/changes',
    { upsert: { podBlocks: [{ cidr: blockOf(next++), node: 'node-0' }] } },
    200,
  );
  await bird.waitForRouteCount('ipv4', 1, { timeoutMs: 30_000 });

  const results = [];
  for (const rate of RATES) {
    const count = rate * SECONDS;
    const first = next;
    next += count;
    const sent = new Array(count);
    const acked = new Array(count);
    const failures = [];
    const start = wallNow() + 50;
    const inflight = [];
    for (let i = 0; i < count; i += PER_REQUEST) {
      const due = start + (i * 1000) / rate;
      const wait = due - wallNow();
      if (wait > 1) await sleep(wait);
      const podBlocks = [];
      for (let j = i; j < Math.min(count, i + PER_REQUEST); j++)
        podBlocks.push({ cidr: blockOf(first + j), node: `node-${(first + j) % NODES}` });
      const at = wallNow();
      for (let j = i; j < i + podBlocks.length; j++) sent[j] = at;
      inflight.push(
        httpRequest(registry.url, 'POST', '/v1/clusters/bench/changes', { upsert: { podBlocks } }, TOKEN)
          .then((answer) => {
            const done = wallNow();
            for (let j = i; j < i + podBlocks.length; j++) acked[j] = done;
            if (answer.status !== 200) failures.push(`${podBlocks[0].cidr}…: ${answer.status}`);
          })
          .catch((e) => failures.push(`${podBlocks[0].cidr}…: ${e.message}`)),
      );
    }
    const sendSpanMs = wallNow() - start;
    const groupsBefore = await dependentGroups(registry);
    await Promise.all(inflight);
    const groups = await dependentGroups(registry);
    if (failures.length > 0) throw new Error(`${failures.length} writes failed, e.g. ${failures[0]}`);
    await bird.waitForRouteCount('ipv4', next, { timeoutMs: 120_000, intervalMs: 50 });
    const importedAt = new Map(
      (await bird.routes('ipv4')).map((route) => [route.prefix, parseBirdTime(route.changedAt)]),
    );
    const fromSent = [];
    const fromAcked = [];
    for (let i = 0; i < count; i++) {
      const at = importedAt.get(blockOf(first + i));
      if (at === undefined) throw new Error(`${blockOf(first + i)} is not in BIRD's table`);
      fromSent.push(at - sent[i]);
      fromAcked.push(at - acked[i]);
    }
    fromSent.sort((x, y) => x - y);
    fromAcked.sort((x, y) => x - y);
    const row = {
      rate,
      blocks: count,
      achievedRate: Math.round((count * 1000) / sendSpanMs),
      /** The registry's commits a second: every request acknowledged, over the time that took. */
      committedRate: Math.round((count * 1000) / (Math.max(...acked) - start)),
      groups: groups.count - groupsBefore.count,
      meanGroup: (groups.sum - groupsBefore.sum) / Math.max(1, groups.count - groupsBefore.count),
      sent: { p50: percentile(fromSent, 50), p99: percentile(fromSent, 99), max: fromSent.at(-1) },
      acked: { p50: percentile(fromAcked, 50), p99: percentile(fromAcked, 99), max: fromAcked.at(-1) },
    };
    results.push(row);
    const f = (x) => x.toFixed(1).padStart(7);
    console.log(
      `${String(rate).padStart(5)}/s  ${count} blocks, ${PER_REQUEST} a request (sent at ${row.achievedRate}/s)  ` +
        `sent→BIRD p50 ${f(row.sent.p50)} p99 ${f(row.sent.p99)} max ${f(row.sent.max)} ms   ` +
        `commit acked→BIRD p50 ${f(row.acked.p50)} p99 ${f(row.acked.p99)} max ${f(row.acked.max)} ms`,
    );
    console.log(
      `        registry committed ${row.committedRate}/s; ` +
        (row.groups === 0
          ? 'every write in a transaction of its own'
          : `${row.groups} transactions of ${row.meanGroup.toFixed(1)} writes on average (group commit)`),
    );
    await sleep(1000);
  }
  if (a.json) console.log(JSON.stringify(results, null, 2));
}

await withCleanup(run);
