#!/usr/bin/env node
// Benchmark (issue 4): address lookup in the IPAM core, in process (no HTTP, no database).
//
//   npm run build && node bench/ipam-lookup.mjs [--blocks 100000] [--clusters 100] [--endpoints 0] [--family 4] [--lookups 100000]
//
// Loads one pool, one pod allocation per cluster and BLOCKS pod blocks (IPv4 /26 as Calico
// announces them in seed 002, or IPv6 /64) into the longest-prefix-match index, optionally with
// ENDPOINTS endpoint addresses (/32 or /128) inside the blocks, then times LOOKUPS lookups one by
// one, each from address text to ownership (parse, match, pick pool/allocation/block/endpoints)
// as GET /v1/lookup/{address} does. The addresses are a seeded mix: half inside a block, a
// quarter inside an allocation but in no block, a quarter outside the pool.
//
// ISTHMUS_IPAM_CORE may point at another build of services/ipam/src/core (a CommonJS index.js).
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const { values: a } = parseArgs({
  options: {
    blocks: { type: 'string', default: '100000' },
    clusters: { type: 'string', default: '100' },
    endpoints: { type: 'string', default: '0' },
    family: { type: 'string', default: '4' },
    lookups: { type: 'string', default: '100000' },
  },
});
const BLOCKS = Number(a.blocks);
const CLUSTERS = Number(a.clusters);
const ENDPOINTS = Number(a.endpoints);
const FAMILY = Number(a.family);
const LOOKUPS = Number(a.lookups);
if (FAMILY !== 4 && FAMILY !== 6) throw new Error('--family is 4 or 6');

const core = await import(
  process.env.ISTHMUS_IPAM_CORE ?? new URL('../services/ipam/dist/core/index.js', import.meta.url).href
);
const { AddressIndex, formatAddressValue, ownershipOf, parseAddressValue, parsePrefix } = core;

// A small seeded generator, so that every run looks up the same addresses.
let seed = 0x1234567;
const random = () => {
  seed = (seed + 0x9e3779b9) >>> 0;
  let z = seed;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return ((z ^ (z >>> 16)) >>> 0) / 0x100000000;
};
const below = (n) => Math.floor(random() * n);

// IPv4: pool 10.0.0.0/8, a /16 per cluster, /26 blocks. IPv6: pool 2001:db8::/32, a /48 per
// cluster, /64 blocks. Each cluster keeps a few slots of its allocation free, for the misses.
const plan =
  FAMILY === 4
    ? { pool: '10.0.0.0/8', allocationLength: 16, blockLength: 26, bits: 32 }
    : { pool: '2001:db8::/32', allocationLength: 48, blockLength: 64, bits: 128 };
const pool = parsePrefix(plan.pool);
const perCluster = Math.ceil(BLOCKS / CLUSTERS);
const slots = 2 ** (plan.blockLength - plan.allocationLength);
if (perCluster >= slots)
  throw new Error(`${perCluster} blocks per cluster do not fit in a /${plan.allocationLength}`);
if (CLUSTERS > 2 ** (plan.allocationLength - pool.length)) throw new Error('too many clusters for the pool');
const allocationBase = (c) => pool.base + (BigInt(c) << BigInt(plan.bits - plan.allocationLength));
const blockBase = (c, i) => allocationBase(c) + (BigInt(i) << BigInt(plan.bits - plan.blockLength));
const blockHosts = 2 ** Math.min(30, plan.bits - plan.blockLength);

// The index is loaded from canonical text, as rows and events deliver it.
const rows = [{ cidr: plan.pool, owner: { kind: 'pool', pool: 'bench' } }];
for (let c = 0; c < CLUSTERS; c++) {
  const cluster = `cluster-${c}`;
  rows.push({
    cidr: `${formatAddressValue(FAMILY, allocationBase(c))}/${plan.allocationLength}`,
    owner: { kind: 'allocation', allocation: `a${c}`, pool: 'bench', cluster, purpose: 'pods' },
  });
}
for (let n = 0; n < BLOCKS; n++) {
  const c = n % CLUSTERS;
  const i = Math.floor(n / CLUSTERS);
  rows.push({
    cidr: `${formatAddressValue(FAMILY, blockBase(c, i))}/${plan.blockLength}`,
    owner: { kind: 'block', cluster: `cluster-${c}`, node: `node-${i}`, nextHop: '192.0.2.1' },
  });
}
for (let e = 0; e < ENDPOINTS; e++) {
  const n = e % BLOCKS;
  const c = n % CLUSTERS;
  const i = Math.floor(n / CLUSTERS);
  const address = blockBase(c, i) + BigInt(1 + (Math.floor(e / BLOCKS) % (blockHosts - 1)));
  rows.push({
    cidr: `${formatAddressValue(FAMILY, address)}/${plan.bits}`,
    owner: {
      kind: 'endpoint',
      cluster: `cluster-${c}`,
      namespace: 'bench',
      service: `svc-${e}`,
      node: `node-${i}`,
      hostname: null,
    },
  });
}

const heapBefore = process.memoryUsage().heapUsed;
const loadStart = performance.now();
const index = new AddressIndex();
for (const row of rows) index.put(parsePrefix(row.cidr), row.owner);
const loadMs = performance.now() - loadStart;
const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;

const addresses = [];
const expected = [];
for (let k = 0; k < LOOKUPS; k++) {
  const r = random();
  const c = below(CLUSTERS);
  let value;
  let kind;
  if (r < 0.5) {
    value = blockBase(c, below(Math.floor(BLOCKS / CLUSTERS))) + BigInt(below(blockHosts));
    kind = 'block';
  } else if (r < 0.75) {
    value = blockBase(c, perCluster + below(slots - perCluster)) + BigInt(below(blockHosts));
    kind = 'allocation';
  } else {
    value =
      FAMILY === 4 ? BigInt(0x0b000000 + below(0x10000000)) : (0x3fffn << 112n) + BigInt(below(2 ** 31));
    kind = 'none';
  }
  addresses.push(formatAddressValue(FAMILY, value));
  expected.push(kind);
}

const lookup = (text) => {
  const { family, value } = parseAddressValue(text);
  return ownershipOf(index.lookup(family, value));
};
const kindOf = (o) => (o.block ? 'block' : o.allocation ? 'allocation' : o.pool ? 'pool' : 'none');

// Warm up (JIT), and check that every answer is the one the plan says.
for (let k = 0; k < Math.min(LOOKUPS, 20000); k++) lookup(addresses[k]);
let wrong = 0;
for (let k = 0; k < LOOKUPS; k++) if (kindOf(lookup(addresses[k])) !== expected[k]) wrong++;
if (wrong > 0) {
  console.error(`${wrong} of ${LOOKUPS} lookups gave the wrong owner`);
  process.exit(1);
}

const times = new Float64Array(LOOKUPS);
for (let k = 0; k < LOOKUPS; k++) {
  const t = performance.now();
  lookup(addresses[k]);
  times[k] = performance.now() - t;
}
times.sort();
const pct = (p) => times[Math.min(LOOKUPS - 1, Math.floor((p / 100) * LOOKUPS))] * 1000;

const batchStart = performance.now();
for (let k = 0; k < LOOKUPS; k++) lookup(addresses[k]);
const perSecond = LOOKUPS / ((performance.now() - batchStart) / 1000);

const hits = expected.filter((k) => k === 'block').length;
console.log(
  `index: 1 pool ${plan.pool}, ${CLUSTERS} allocations /${plan.allocationLength}, ${BLOCKS} blocks /${plan.blockLength}, ${ENDPOINTS} endpoints (${index.size} entries)`,
);
console.log(
  `  load                 ${loadMs.toFixed(0)} ms  (${((loadMs * 1000) / index.size).toFixed(2)} µs per entry, heap +${heapMb.toFixed(0)} MB)`,
);
console.log(
  `lookups: ${LOOKUPS} (${hits} in a block, ${expected.filter((k) => k === 'allocation').length} in an allocation only, ${expected.filter((k) => k === 'none').length} outside the pool), text -> ownership`,
);
console.log(
  `  latency              p50 ${pct(50).toFixed(2)} µs  p90 ${pct(90).toFixed(2)} µs  p99 ${pct(99).toFixed(2)} µs  max ${(times[LOOKUPS - 1] * 1000).toFixed(1)} µs  (target: p99 under 1 ms)`,
);
console.log(
  `  throughput           ${Math.round(perSecond).toLocaleString('en-US')} lookups/s (one core, untimed loop)`,
);
