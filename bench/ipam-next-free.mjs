#!/usr/bin/env node
// Benchmark (issue 10, 5): "the next free /N" of a pool with 1,000, 10,000 and 100,000
// allocations, by the old path and the new one side by side, on the same database state.
//
//   npm run build && node bench/ipam-next-free.mjs [--sizes 1000,10000,100000] [--requests 100]
//
// Each size gets its own /8 pool, filled with SIZE /26 allocations on every other /26 (a pool
// with a gap after each allocation: the worst case for a search that walks the gaps). The fill
// goes through the allocation table's triggers, in statements of 5,000 rows, so the free space
// is the one the service keeps. Then, per size, REQUESTS next-free /26 and REQUESTS next-free
// /24 allocations by each path, alternating old and new, each in its own transaction as the
// service runs it (pool row lock, search, insert, commit):
//   old  reads every allocation of the pool (the query of AllocationStore.prefixesOf before
//        issue 10) and searches with the core's nextFreeBlock();
//   new  asks the free space table (the service's FreeSpaceStore.lowestFree, from dist).
// Both paths' inserts pay the triggers. Prints per-allocation ms (median, p99) and old/new.
// Uses the local PostgreSQL (DATABASE_ADMIN_URL); creates a database and drops it.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { applyMigrations } from '../libs/migrate/dist/index.js';
import { formatPrefix, nextFreeBlock, normalizePrefix } from '../services/ipam/dist/core/index.js';
import { FreeSpaceStore } from '../services/ipam/dist/allocations/free-space-store.js';

const { values: a } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000,100000' },
    requests: { type: 'string', default: '100' },
  },
});
const SIZES = a.sizes.split(',').map(Number);
const REQUESTS = Number(a.requests);
const ADMIN_URL = process.env.DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const FILL_BATCH = 5_000;

const dbName = `bench_next_free_${process.pid}`;
const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const url = new URL(ADMIN_URL);
url.pathname = `/${dbName}`;
const client = new pg.Client({ connectionString: url.toString() });

/** The service's Sql interface over one client. */
const sql = { query: async (text, params) => (await client.query(text, params)).rows };
const freeSpace = new FreeSpaceStore();

async function inTransaction(fn) {
  await client.query('BEGIN');
  try {
    const out = await fn();
    await client.query('COMMIT');
    return out;
  } catch (e) {
    await client.query('ROLLBACK');
    throw e;
  }
}

async function lockPool(name) {
  const [row] = await sql.query(
    'SELECT name, cidr::text AS cidr FROM pool WHERE name = $1 FOR NO KEY UPDATE',
    [name],
  );
  return { name: row.name, cidr: row.cidr, prefix: normalizePrefix(row.cidr) };
}

async function insert(pool, cidr) {
  await sql.query(
    `INSERT INTO allocation (pool, pool_cidr, cluster, purpose, cidr) VALUES ($1, $2::cidr, 'bench', 'pods', $3::cidr)`,
    [pool.name, pool.cidr, cidr],
  );
  return cidr;
}

const paths = {
  async old(poolName, length) {
    return inTransaction(async () => {
      const pool = await lockPool(poolName);
      const rows = await sql.query(
        'SELECT cidr::text AS cidr FROM allocation WHERE pool = $1 ORDER BY allocation.cidr',
        [pool.name],
      );
      const found = nextFreeBlock(
        pool.prefix,
        rows.map((r) => normalizePrefix(r.cidr)),
        length,
      );
      if (found.kind !== 'allocated') throw new Error(`old: no /${length} in ${pool.name}`);
      return insert(pool, formatPrefix(found.prefix));
    });
  },
  async new(poolName, length) {
    return inTransaction(async () => {
      const pool = await lockPool(poolName);
      const found = await freeSpace.lowestFree(sql, pool, length);
      if (!found) throw new Error(`new: no /${length} in ${pool.name}`);
      return insert(pool, formatPrefix(found));
    });
  },
};

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
const ms = (v) => v.toFixed(2).padStart(8);

try {
  await applyMigrations({
    databaseUrl: url.toString(),
    schemaPath: new URL('../services/ipam/prisma/schema.prisma', import.meta.url).pathname,
    migrationsDir: new URL('../services/ipam/prisma/migrations', import.meta.url).pathname,
  });
  await client.connect();
  console.log(`next-free, ${REQUESTS} requests per path and length, alternating old and new\n`);
  console.log('allocations  length    fill s   old p50   old p99   new p50   new p99  old/new (p50)');
  for (const [i, size] of SIZES.entries()) {
    const name = `bench-${size}`;
    const cidr = `${10 + i}.0.0.0/8`;
    if (size > 2 ** 17) throw new Error('at most 131,072 allocations on every other /26 of a /8');
    await client.query('INSERT INTO pool (name, cidr) VALUES ($1, $2)', [name, cidr]);
    const t0 = performance.now();
    for (let from = 0; from < size; from += FILL_BATCH) {
      await client.query(
        `INSERT INTO allocation (pool, pool_cidr, cluster, purpose, cidr)
         SELECT $1, $2::cidr, 'fill', 'pods', set_masklen($2::inet + k * 128, 26)::cidr
           FROM generate_series($3::bigint, $4::bigint) AS k`,
        [name, cidr, from, Math.min(size, from + FILL_BATCH) - 1],
      );
      await client.query('VACUUM free_block'); // as autovacuum would between the fill's statements
      if (process.env.BENCH_TRACE)
        console.log(`fill ${from}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    await client.query('VACUUM ANALYZE allocation');
    await client.query('VACUUM ANALYZE free_block');
    const fillSeconds = (performance.now() - t0) / 1000;

    for (const length of [26, 24]) {
      const times = { old: [], new: [] };
      for (let r = 0; r < REQUESTS; r++) {
        for (const path of r % 2 === 0 ? ['old', 'new'] : ['new', 'old']) {
          const t = performance.now();
          await paths[path](name, length);
          times[path].push(performance.now() - t);
        }
      }
      const [o, n] = [times.old.sort((x, y) => x - y), times.new.sort((x, y) => x - y)];
      console.log(
        `${String(size).padStart(11)}  /${length}    ${fillSeconds.toFixed(1).padStart(6)} ${ms(quantile(o, 0.5))}  ${ms(quantile(o, 0.99))}  ${ms(quantile(n, 0.5))}  ${ms(quantile(n, 0.99))}  ${(quantile(o, 0.5) / quantile(n, 0.5)).toFixed(1).padStart(8)}`,
      );
    }
    // The two paths handed out blocks in turn from one pool: the free space must still be the
    // one the allocations give (checked in SQL), or the figures mean nothing.
    const { rows } = await client.query(
      `SELECT count(*)::int AS n FROM (
         (SELECT cidr FROM free_block WHERE pool = $1 EXCEPT SELECT ipam_free_blocks_from_allocations($1))
         UNION ALL
         (SELECT ipam_free_blocks_from_allocations($1) EXCEPT SELECT cidr FROM free_block WHERE pool = $1)) d`,
      [name],
    );
    if (rows[0].n !== 0)
      throw new Error(`free space of ${name} differs from its allocations in ${rows[0].n} blocks`);
  }
} finally {
  await client.end().catch(() => undefined);
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
}
