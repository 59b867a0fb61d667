#!/usr/bin/env node
// Benchmark (issue 10, 5): the time a replica takes to apply one allocation change to its address
// plan (lookup index and validator), at 1k, 10k and 100k allocations in one pool, by the old path
// (a read of the whole plan: every pool and allocation in one json_agg snapshot, parsed,
// normalized and diffed) and the new one (the plan log's rows above the applied revision),
// side by side in one run.
//
//   npm run build && node bench/ipam-plan-feed.mjs [--sizes 1000,10000,100000] [--changes 30]
//
// PostgreSQL from DATABASE_URL (default postgres://postgres@127.0.0.1:5432/isthmus_bench_plan_feed,
// dropped and created again). Two PlanFeeds (services/ipam/dist) on one database, started without
// their listeners: each change is one explicit allocation INSERT (not timed), then the new feed's
// catchUp() and the old path, the other feed's readWhole(), are timed one after the other.
// The allocations are set up with one INSERT ... SELECT generate_series (its triggers write the
// log; the log is emptied and the tables analyzed after it).
import 'reflect-metadata';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';

const { values: a } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000,100000' },
    changes: { type: 'string', default: '30' },
  },
});
const SIZES = a.sizes.split(',').map(Number);
const CHANGES = Number(a.changes);
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/isthmus_bench_plan_feed';

const require = createRequire(import.meta.url);
const dist = new URL('../services/ipam/dist/', import.meta.url).pathname;
const { PlanFeed } = require(`${dist}feed/plan-feed.js`);
const { LookupIndex } = require(`${dist}lookup/lookup-index.js`);
const { ValidationState } = require(`${dist}validation/validation-state.js`);

// A fresh database with the service's migrations.
const database = new URL(url).pathname.slice(1);
const admin = new pg.Client({ connectionString: url.replace(/\/[^/]*$/, '/postgres') });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS "${database}"`);
await admin.query(`CREATE DATABASE "${database}"`);
await admin.end();
const pool = new pg.Pool({ connectionString: url, max: 4 });
const migrations = new URL('../services/ipam/prisma/migrations/', import.meta.url).pathname;
for (const dir of readdirSync(migrations)
  .filter((d) => /^\d/.test(d))
  .sort()) {
  await pool.query(readFileSync(`${migrations}${dir}/migration.sql`, 'utf8'));
}

// PgService as the feed uses it.
const pgService = { query: async (text, params) => (await pool.query(text, params)).rows };
const settings = { databaseUrl: url, publisherRetryMs: 2000, planChangeRetentionMs: 600_000 };
const newFeed = () => new PlanFeed(pgService, new ValidationState(), new LookupIndex(), settings);

const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const p90 = (xs) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))];
const fmt = (ms) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1)).padStart(8);

console.log(`ipam plan feed: one allocation change applied on a replica (${CHANGES} changes per size)`);
console.log('allocations   whole read median / p90 ms   plan log median / p90 ms   speed-up');
let next = 0;
for (const size of SIZES) {
  await pool.query('DELETE FROM allocation');
  await pool.query('DELETE FROM pool');
  await pool.query(`INSERT INTO pool (name, cidr) VALUES ('p', '10.0.0.0/8')`);
  // /26 blocks from 10.0.0.0 up; the changes take /26s from 10.200.0.0 up.
  await pool.query(
    `INSERT INTO allocation (pool, pool_cidr, cluster, purpose, cidr)
     SELECT 'p', '10.0.0.0/8', 'c' || (i % 100), 'pods',
            ('10.' || (i >> 10) || '.' || ((i >> 2) & 255) || '.' || ((i & 3) * 64) || '/26')::cidr
       FROM generate_series(0, $1 - 1) i`,
    [size],
  );
  await pool.query('DELETE FROM plan_change');
  // The steady state autovacuum keeps: fresh statistics (stale ones after the bulk insert make the
  // planner sort a sequential scan of plan_change, and JIT-compile it, for 30 rows).
  await pool.query('VACUUM ANALYZE plan_change, allocation, pool');
  const incremental = newFeed();
  const whole = newFeed();
  await incremental.readWhole();
  await whole.readWhole();
  const timesWhole = [];
  const timesLog = [];
  for (let i = 0; i < CHANGES; i++, next++) {
    const cidr = `10.${200 + (next >> 10)}.${(next >> 2) & 255}.${(next & 3) * 64}/26`;
    await pool.query(
      `INSERT INTO allocation (pool, pool_cidr, cluster, purpose, cidr) VALUES ('p', '10.0.0.0/8', 'bench', 'pods', $1)`,
      [cidr],
    );
    let t = performance.now();
    await incremental.catchUp();
    timesLog.push(performance.now() - t);
    t = performance.now();
    await whole.readWhole();
    timesWhole.push(performance.now() - t);
  }
  const a1 = incremental.snapshot();
  const a2 = whole.snapshot();
  if (a1.revision !== a2.revision || a1.allocations.length !== a2.allocations.length)
    throw new Error('the two feeds disagree');
  if (a1.allocations.length !== size + CHANGES) throw new Error(`expected ${size + CHANGES} allocations`);
  console.log(
    `${String(size).padStart(11)}   ${fmt(median(timesWhole))} / ${fmt(p90(timesWhole))}        ` +
      `${fmt(median(timesLog))} / ${fmt(p90(timesLog))}      ${(median(timesWhole) / median(timesLog)).toFixed(0).padStart(6)}x`,
  );
}
await pool.end();
