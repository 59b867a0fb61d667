import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '@isthmus/testing';
import { startIpam, type IpamUnderTest } from '../testing/ipam-harness';
import { PlanFeed } from './plan-feed';
import type { ChangeListener } from '@isthmus/service-kit';

/**
 * Issue 10, 5: the plan feed follows the plan log (plan_change) and reads the plan whole only
 * when the log cannot take it there. Two replicas on one database; B's plan is compared with
 * A's and with the tables.
 */
describe('the plan log between replicas', () => {
  let a: IpamUnderTest;
  let b: IpamUnderTest;
  let feedA: PlanFeed;
  let feedB: PlanFeed;
  let sql: pg.Client;
  let next = 0;

  /** The plan as the tables have it, in the feed's snapshot form. */
  async function tables() {
    const [{ revision }] = (await sql.query<{ revision: string }>('SELECT revision FROM plan_revision'))
      .rows as [{ revision: string }];
    const pools = (await sql.query('SELECT name, cidr::text AS cidr FROM pool ORDER BY name')).rows;
    const allocations = (
      await sql.query('SELECT id, pool, cluster, purpose, cidr::text AS cidr FROM allocation ORDER BY id')
    ).rows;
    return { revision: Number(revision), pools, allocations };
  }

  async function allocate(on: IpamUnderTest): Promise<number> {
    const n = next++;
    const res = await on.request('POST', '/v1/pools/p/allocations', {
      cluster: `c${n % 3}`,
      purpose: 'pods',
      cidr: `10.${n >> 8}.${n & 255}.0/24`,
    });
    expect(res.status).toBe(201);
    return res.body.id as number;
  }

  beforeAll(async () => {
    a = await startIpam();
    b = await startIpam({ db: a.db, env: a.env });
    feedA = a.app.get(PlanFeed);
    feedB = b.app.get(PlanFeed);
    sql = new pg.Client({ connectionString: a.db.url });
    await sql.connect();
    expect((await a.request('POST', '/v1/pools', { name: 'p', cidr: '10.0.0.0/8' })).status).toBe(201);
  });
  afterAll(async () => {
    await sql?.end();
    await b?.stop();
    await a?.stop();
  });

  it('a write through one replica reaches the other change by change, not by whole reads', async () => {
    await pollUntil('B has the pool', () => feedB.snapshot().pools.length === 1);
    const whole = feedB.reads.whole;
    for (let i = 0; i < 5; i++) await allocate(a);
    const expected = await tables();
    await pollUntil('B has the writes', () => feedB.revision >= expected.revision);
    expect(feedB.snapshot()).toEqual(expected);
    expect(feedB.reads.whole).toBe(whole);
    expect(feedB.reads.incremental).toBeGreaterThan(0);
  });

  it('concurrent writes through both replicas leave both with the plan the tables have', async () => {
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => allocate(i % 2 ? a : b)));
    await Promise.all(
      ids.slice(0, 6).map((id, i) => (i % 2 ? a : b).request('DELETE', `/v1/allocations/${id}`)),
    );
    const expected = await tables();
    await pollUntil(
      'both current',
      () => feedA.revision >= expected.revision && feedB.revision >= expected.revision,
    );
    expect(feedA.snapshot()).toEqual(expected);
    expect(feedB.snapshot()).toEqual(expected);
  });

  it('notifications missed while the LISTEN connection is terminated are caught up', async () => {
    const writes = (async () => {
      for (let i = 0; i < 10; i++) await allocate(a);
    })();
    // Every listening session of this database (both replicas'), in the middle of the writes.
    const terminated = await sql.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`,
    );
    expect(terminated.rowCount).toBe(2);
    await writes;
    const expected = await tables();
    await pollUntil('B caught up', () => feedB.revision >= expected.revision, { timeoutMs: 30_000 });
    expect(feedB.snapshot()).toEqual(expected);
  });

  it('a replica behind the pruned horizon reads the plan whole and ends equal', async () => {
    // B hears of nothing from here on (as if its notifications were lost).
    await (feedB as unknown as { listener: ChangeListener }).listener.stop();
    const behind = feedB.revision;
    const ids = [await allocate(a), await allocate(a)];
    expect((await a.request('DELETE', `/v1/allocations/${ids[0]}`)).status).toBe(200);
    // What pruning does to rows older than the retention: all of them, here.
    await sql.query('DELETE FROM plan_change');
    const whole = feedB.reads.whole;
    await feedB.catchUp();
    const expected = await tables();
    expect(expected.revision).toBeGreaterThan(behind);
    expect(feedB.reads.whole).toBe(whole + 1);
    expect(feedB.snapshot()).toEqual(expected);
    // And the next change comes from the log again.
    await allocate(a);
    await feedB.catchUp();
    expect(feedB.reads.whole).toBe(whole + 1);
    expect(feedB.snapshot()).toEqual(await tables());
  });

  it('prune deletes only rows older than the retention', async () => {
    await allocate(a);
    expect(await feedA.prune()).toBe(0);
    await sql.query(`UPDATE plan_change SET at = now() - interval '1 day'`);
    expect(await feedA.prune()).toBeGreaterThan(0);
    expect((await sql.query('SELECT 1 FROM plan_change')).rowCount).toBe(0);
  });
});
