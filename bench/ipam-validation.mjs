#!/usr/bin/env node
// Benchmark (issue 4): pod block validation in the IPAM core, in process (no NATS, no database,
// no JSON or schema decoding: the validator alone).
//
//   npm run build && node --expose-gc bench/ipam-validation.mjs [--blocks 100000] [--clusters 100] [--conflicts 1000] [--batch 500] [--moves 10000] [--rounds 3]
//
//  1. replay: one pod allocation (/16 of 10.0.0.0/8) per cluster, then BLOCKS /26 blocks spread
//     over the clusters, then CONFLICTS blocks of a rogue cluster announced later over existing
//     ones (each one conflict), applied in batches of BATCH inputs, as a consumer replaying the
//     registry stream would;
//     ROUNDS times, each into a fresh validator;
//  2. churn (on the last one): MOVES blocks move to another node of their cluster, and the rogue blocks go away
//     (every conflict closes).
// Each phase checks the verdicts and conflicts it must produce and exits non-zero otherwise.
//
// ISTHMUS_IPAM_CORE may point at another build of services/ipam/src/core (a CommonJS index.js).
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const { values: a } = parseArgs({
  options: {
    blocks: { type: 'string', default: '100000' },
    clusters: { type: 'string', default: '100' },
    conflicts: { type: 'string', default: '1000' },
    batch: { type: 'string', default: '500' },
    moves: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '3' },
  },
});
const BLOCKS = Number(a.blocks);
const CLUSTERS = Number(a.clusters);
const CONFLICTS = Number(a.conflicts);
const BATCH = Number(a.batch);
const MOVES = Number(a.moves);
const ROUNDS = Math.max(1, Number(a.rounds));
if (CLUSTERS > 256 || Math.ceil(BLOCKS / CLUSTERS) > 1024)
  throw new Error('the plan is a /16 per cluster in a /8');

const core = await import(
  process.env.ISTHMUS_IPAM_CORE ?? new URL('../services/ipam/dist/core/index.js', import.meta.url).href
);
const { BlockValidator, formatAddressValue } = core;

let revision = 0;
const cidrOf = (n) => {
  const c = n % CLUSTERS;
  const i = Math.floor(n / CLUSTERS);
  return `${formatAddressValue(4, 0x0a000000n + (BigInt(c) << 16n) + (BigInt(i) << 6n))}/26`;
};
const upsert = (cluster, cidr, node, firstSeen) => ({
  type: 'block-upsert',
  block: { cluster, cidr, node, nextHop: '192.0.2.1', revision: ++revision, firstSeen },
});

const allocations = Array.from({ length: CLUSTERS }, (_, c) => ({
  type: 'allocation-upsert',
  allocation: { id: `a${c}`, cluster: `cluster-${c}`, purpose: 'pods', cidr: `10.${c}.0.0/16` },
}));
const blocks = Array.from({ length: BLOCKS }, (_, n) =>
  upsert(`cluster-${n % CLUSTERS}`, cidrOf(n), `node-${Math.floor(n / CLUSTERS)}`, 1_000 + n),
);
// The rogue cluster has no allocation, so only the age rule decides: it came later, it loses.
const rogueTargets = Array.from({ length: CONFLICTS }, (_, k) => Math.floor((k * BLOCKS) / CONFLICTS));
const rogue = rogueTargets.map((n) => upsert('rogue', cidrOf(n), 'rogue-node', 1_000_000 + n));

function run(validator, inputs, at) {
  const totals = { verdicts: 0, opened: 0, closed: 0 };
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < inputs.length; i += BATCH) {
    const changes = validator.apply(inputs.slice(i, i + BATCH), at);
    totals.verdicts += changes.verdicts.length;
    totals.opened += changes.conflictsOpened.length;
    totals.closed += changes.conflictsClosed.length;
  }
  const ms = performance.now() - start;
  const { user, system } = process.cpuUsage(cpu);
  // CPU time as well as wall time: on a shared machine the wall clock includes waiting for a core.
  return { ms, cpuMs: (user + system) / 1000, ...totals };
}

function check(what, actual, wanted) {
  if (actual !== wanted) {
    console.error(`${what}: ${actual}, expected ${wanted}`);
    process.exit(1);
  }
}

const statusCounts = (validator) => {
  const counts = { valid: 0, conflict: 0, 'outside-allocation': 0 };
  for (const v of validator.verdicts()) counts[v.status]++;
  return counts;
};

// Earlier rounds replay into validators that are thrown away: the first is a cold start (what
// a service does once), the later ones show the warmed-up (JIT-compiled) figure.
const replays = [];
let validator;
for (let round = 0; round < ROUNDS; round++) {
  validator = new BlockValidator();
  replays.push(run(validator, [...allocations, ...blocks, ...rogue], 1));
}
const replay = replays[replays.length - 1];
const afterReplay = statusCounts(validator);
check('valid blocks after the replay', afterReplay.valid, BLOCKS);
check('excluded rogue blocks', afterReplay.conflict, CONFLICTS);
check('conflicts opened', replay.opened, CONFLICTS);

const moves = Array.from({ length: MOVES }, (_, k) => {
  const n = Math.floor((k * BLOCKS) / MOVES);
  return upsert(`cluster-${n % CLUSTERS}`, cidrOf(n), `node-moved-${k}`, 0);
});
const withdrawals = rogueTargets.map((n) => ({
  type: 'block-delete',
  cluster: 'rogue',
  cidr: cidrOf(n),
  revision: ++revision,
}));
const churn = run(validator, [...moves, ...withdrawals], 2);
check('conflicts closed', churn.closed, CONFLICTS);
check('valid blocks after the churn', statusCounts(validator).valid, BLOCKS);
check('open conflicts after the churn', validator.conflicts().length, 0);

// The heap the validator holds: measured by letting it go (needs --expose-gc).
let heapMb = NaN;
if (globalThis.gc) {
  globalThis.gc();
  const withValidator = process.memoryUsage().heapUsed;
  validator = undefined;
  globalThis.gc();
  heapMb = (withValidator - process.memoryUsage().heapUsed) / 2 ** 20;
}

const rate = (inputs, ms) => Math.round(inputs / (ms / 1000)).toLocaleString('en-US');
const replayInputs = BLOCKS + CONFLICTS;
console.log(`validator: ${CLUSTERS} clusters with a /16 pod allocation each, batches of ${BATCH} inputs`);
replays.forEach((r, round) =>
  console.log(
    `  replay ${round + 1}  ${BLOCKS} blocks + ${CONFLICTS} conflicting  ${r.ms.toFixed(0)} ms (CPU ${r.cpuMs.toFixed(0)} ms)  ${rate(replayInputs, r.ms)} blocks/s  (${r.verdicts} verdict changes, ${r.opened} conflicts opened)`,
  ),
);
console.log(
  `  churn     ${MOVES} node moves + ${CONFLICTS} withdrawals  ${churn.ms.toFixed(0)} ms (CPU ${churn.cpuMs.toFixed(0)} ms)  ${rate(MOVES + CONFLICTS, churn.ms)} inputs/s  (${churn.verdicts} verdict changes, ${churn.closed} conflicts closed)`,
);
console.log(
  `  heap held by the validator with ${BLOCKS} blocks: ${heapMb.toFixed(0)} MB (node --expose-gc to measure)`,
);
