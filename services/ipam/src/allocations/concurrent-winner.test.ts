import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startIpam, type HttpAnswer, type IpamUnderTest } from '../testing/ipam-harness';
import { pollUntil } from '@isthmus/testing';

/**
 * What happens to a request that meets a concurrent write, made deterministic: another writer
 * (here a plain SQL session standing for another replica) has inserted a prefix and not committed
 * yet. Its insert holds the pool's row lock (the trigger of migration 20261208100000_free_space
 * takes it), so the service's request waits for it: a next-free search waits before it looks, an
 * explicit insert before it is checked. Then the exclusion constraint decides.
 */
describe('a request that loses to a concurrent allocation', () => {
  let ipam: IpamUnderTest;
  let rival: pg.Client;
  let observer: pg.Client;

  beforeAll(async () => {
    ipam = await startIpam();
    expect((await ipam.request('POST', '/v1/pools', { name: 'p', cidr: '10.0.0.0/16' })).status).toBe(201);
    observer = new pg.Client({ connectionString: ipam.db.url });
    await observer.connect();
  });
  afterAll(async () => {
    await observer?.end();
    await ipam?.stop();
  });
  beforeEach(async () => {
    rival = new pg.Client({ connectionString: ipam.db.url });
    await rival.connect();
  });
  afterEach(async () => {
    await rival.end();
    await observer.query('DELETE FROM allocation');
  });

  /** Inserts `cidr` in an open transaction of the rival session. */
  async function rivalHolds(cidr: string): Promise<void> {
    await rival.query('BEGIN');
    await rival.query(
      `INSERT INTO allocation (pool, pool_cidr, cluster, purpose, cidr)
       VALUES ('p', '10.0.0.0/16', 'rival', 'pods', $1)`,
      [cidr],
    );
  }

  /**
   * Sends the request and resolves once its statement that starts with `waiting` waits for the
   * rival's transaction. The answer comes wrapped: an async function returning the bare promise
   * would wait for it.
   */
  async function requestBlockedByRival(
    body: object,
    waiting: 'INSERT INTO allocation' | 'SELECT name, cidr::text AS cidr',
  ): Promise<{ answer: Promise<HttpAnswer> }> {
    const answer = ipam.request('POST', '/v1/pools/p/allocations', body);
    await pollUntil(
      'the service to wait for the rival transaction',
      async () => {
        const { rows } = await observer.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND starts_with(query, $1)`,
          [waiting],
        );
        return rows[0]!.n === 1;
      },
      { intervalMs: 50 },
    );
    return { answer };
  }

  it('searches once the winner commits, and gets the next block without a retry', async () => {
    await rivalHolds('10.0.0.0/24');
    // The search waits for the pool's lock, so it looks only after the rival's commit.
    const { answer } = await requestBlockedByRival(
      { cluster: 'k8s', purpose: 'pods', prefixLength: 24 },
      'SELECT name, cidr::text AS cidr',
    );
    await rival.query('COMMIT');
    const res = await answer;
    expect(res.status).toBe(201);
    expect(res.body.cidr).toBe('10.0.1.0/24');
    const metrics = await ipam.request('GET', '/metrics', undefined, null);
    expect(metrics.body).toContain('isthmus_ipam_allocation_retries_total 0');
  });

  it('takes the block when the rival rolls back', async () => {
    await rivalHolds('10.0.0.0/24');
    const { answer } = await requestBlockedByRival(
      { cluster: 'k8s', purpose: 'pods', prefixLength: 24 },
      'SELECT name, cidr::text AS cidr',
    );
    await rival.query('ROLLBACK');
    expect((await answer).body.cidr).toBe('10.0.0.0/24');
  });

  it('answers an explicit request that lost with a 409 naming the winner', async () => {
    await rivalHolds('10.0.5.0/24');
    const { answer } = await requestBlockedByRival(
      { cluster: 'k8s', purpose: 'pods', cidr: '10.0.5.128/25' },
      'INSERT INTO allocation',
    );
    await rival.query('COMMIT');
    const res = await answer;
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(
      /^10\.0\.5\.128\/25 overlaps allocation \d+ \(cluster rival, pods\) 10\.0\.5\.0\/24$/,
    );
  });
});
