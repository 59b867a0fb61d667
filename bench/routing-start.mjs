#!/usr/bin/env node
// Benchmark (issue 11): 100,000 blocks behind 1,000 nodes in the registry; the routing service
// starts → every route in BIRD (and in 3 more BIRDs: 4 peers), its memory then; and in the same
// run the same table to BIRD from gobgpd (bench/bgp-reflector-baseline.mjs's scenario).
//
//   npm run build && node bench/routing-start.mjs [--blocks 100000] [--nodes 1000]
//
// Real registry, IPAM and routing processes, local PostgreSQL and NATS. The blocks are written
// through the registry's REST API (1,000 a request) and IPAM has published every verdict before
// the routing service starts; the peers were configured by an earlier run of the service on the
// same database (SIGKILLed before the blocks were written), as after an upgrade.
// BENCH_ROUTING_NODE_OPTIONS is the measured routing process's NODE_OPTIONS; a CPU profile of its
// start: BENCH_ROUTING_NODE_OPTIONS="--import $PWD/bench/lib/cpu-profile-preload.mjs" CPU_PROFILE_MS=14000.
// routing start = spawning `node services/routing/dist/main.js`; the end is BIRD's own import
// time of the last route (microsecond timestamps).
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { httpRequest, pollUntil, spawnService } from '../libs/testing/dist/index.js';
import { gobgpdScenario, nextHopAddress, runScenario } from './bgp-reflector-baseline.mjs';
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
  options: { blocks: { type: 'string', default: '100000' }, nodes: { type: 'string', default: '1000' } },
});
const BLOCKS = Number(a.blocks);
const NODES = Number(a.nodes);
const REFLECTORS = ['127.0.0.91', '127.0.0.93', '127.0.0.94', '127.0.0.95'];
/** The i-th /26 of 10.0.0.0/9 (the cluster's allocation). */
const blockOf = (i) => blockFrom(0x0a000000, i);
const kib = (pid, field) =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

async function run(cleanup) {
  const { streams, natsUrl, birds, registry, ipam, routingEnv } = await startRoutingStack({
    tag: 'bench_rs',
    reflectors: REFLECTORS,
    cleanup,
  });
  const first = await spawnService('routing', serviceMain('routing'), routingEnv);
  for (const { address, port } of birds)
    await must(first, 'POST', '/v1/peers', { address, port, peerAsn: ASN }, 201);
  await first.kill();

  let t = wallNow();
  await must(ipam, 'POST', '/v1/pools', { name: 'pods', cidr: '10.0.0.0/8' }, 201);
  await must(
    ipam,
    'POST',
    '/v1/pools/pods/allocations',
    { cluster: 'bench', purpose: 'pods', cidr: '10.0.0.0/9' },
    201,
  );
  await must(registry, 'POST', '/v1/clusters', { id: 'bench', kind: 'static' }, 201);
  const nodes = Array.from({ length: NODES }, (_, k) => ({
    name: `node-${k}`,
    addresses: [nextHopAddress(k)],
  }));
  await must(registry, 'POST', '/v1/clusters/bench/changes', { upsert: { nodes } }, 200);
  const perNode = Math.ceil(BLOCKS / NODES);
  for (let i = 0; i < BLOCKS; i += 1000) {
    const podBlocks = [];
    for (let j = i; j < Math.min(BLOCKS, i + 1000); j++)
      podBlocks.push({ cidr: blockOf(j), node: `node-${Math.floor(j / perNode)}` });
    await must(registry, 'POST', '/v1/clusters/bench/changes', { upsert: { podBlocks } }, 200);
  }
  console.log(
    `registry: ${BLOCKS} blocks behind ${NODES} nodes written in ${((wallNow() - t) / 1000).toFixed(1)} s`,
  );
  const nc = await connect({ servers: natsUrl });
  cleanup.push(() => nc.close());
  const jsm = await jetstreamManager(nc);
  await pollUntil(
    'every verdict on the IPAM stream',
    async () => (await jsm.streams.info(streams.ISTHMUS_IPAM_STREAM)).state.num_subjects >= BLOCKS,
    { timeoutMs: 600_000, intervalMs: 500 },
  );
  console.log(`ipam: every verdict published ${((wallNow() - t) / 1000).toFixed(1)} s after the first write`);

  const startedAt = wallNow();
  const routing = await spawnService(
    'routing',
    serviceMain('routing'),
    { ...routingEnv, NODE_OPTIONS: process.env.BENCH_ROUTING_NODE_OPTIONS ?? '' },
    { startTimeoutMs: 120_000 },
  );
  cleanup.push(() => routing.kill());
  const healthyMs = wallNow() - startedAt;
  await pollUntil(
    'routing ready',
    async () => (await httpRequest(routing.url, 'GET', '/readyz')).status === 200,
    {
      timeoutMs: 300_000,
      intervalMs: 10,
    },
  );
  const readyMs = wallNow() - startedAt;
  const done = [];
  for (const { address, bird } of birds) {
    await bird.waitForRouteCount('ipv4', BLOCKS, { timeoutMs: 300_000, intervalMs: 10 });
    const established = (await bird.protocolStatus('routing')).since;
    done.push({
      address,
      allRoutesMs: (await bird.lastRouteChange('ipv4', 'routing')) - startedAt,
      established,
    });
  }
  const pid = routing.child.pid;
  const memory = { rssMiB: kib(pid, 'VmRSS') / 1024, peakRssMiB: kib(pid, 'VmHWM') / 1024 };
  console.log(
    `routing: /healthz after ${healthyMs.toFixed(0)} ms, ready (feed caught up) after ${readyMs.toFixed(0)} ms`,
  );
  for (const d of done)
    console.log(`  every route in BIRD ${d.address} ${d.allRoutesMs.toFixed(0)} ms after the start`);
  console.log(
    `  memory with ${BLOCKS} routes and ${birds.length} peers: RSS ${memory.rssMiB.toFixed(0)} MiB, peak ${memory.peakRssMiB.toFixed(0)} MiB`,
  );
  const metrics = (await httpRequest(routing.url, 'GET', '/metrics', undefined, TOKEN)).body;
  for (const line of String(metrics).split('\n'))
    if (
      /^nodejs_heap_size_used_bytes|^process_resident_memory_bytes|^nodejs_external_memory_bytes/.test(line)
    )
      console.log(`  ${line}`);
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);

  const [g] = await runScenario(gobgpdScenario, { routes: BLOCKS, nextHops: NODES, runs: 1, relay: false });
  const gobgpdMs = g.loadMs + g.establishedToAllRoutesMs;
  console.log(
    `gobgpd: table loaded (mrt inject) in ${g.loadMs.toFixed(0)} ms; Established → all routes in BIRD ${g.establishedToAllRoutesMs.toFixed(0)} ms; ` +
      `load + transfer ${gobgpdMs.toFixed(0)} ms (BIRD's ≥ 1 s connect delay left out); to Established ${g.toEstablishedMs.toFixed(0)} ms`,
  );
  const ours = Math.min(...done.map((d) => d.allRoutesMs));
  console.log(`ratio routing start → all routes / gobgpd load + transfer: ${(ours / gobgpdMs).toFixed(2)}`);
}

await withCleanup(run);
