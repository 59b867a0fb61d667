import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import {
  addressBits,
  formatPrefix,
  nextFreeBlock,
  parsePrefix,
  poolUtilization,
  prefixesOverlap,
  type Prefix,
} from '../core';
import { SeededRandom } from '../core/testing/seeded-random';
import { startIpam, type IpamUnderTest } from '../testing/ipam-harness';

/**
 * The SQL path of "next free /N" (free_block, kept by triggers) against the pure core, which is the
 * specification: random sequences of next-free requests, explicit allocations and releases through
 * the API, and after each step the service's answer is the core's nextFreeBlock() of what is
 * allocated, and the free space in the table is the core's (the fewest CIDR blocks of each gap),
 * which is also what ipam_free_blocks_from_allocations() rebuilds from the allocations.
 */
describe('next-free from the free space table, against the core', () => {
  let ipam: IpamUnderTest;
  let client: pg.Client;

  beforeAll(async () => {
    ipam = await startIpam();
    client = new pg.Client({ connectionString: ipam.db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await ipam?.stop();
  });

  async function freeBlocksOf(pool: string): Promise<{ table: string[]; rebuilt: string[] }> {
    const table = await client.query<{ cidr: string }>(
      // ORDER BY names the column: the bare name would sort by the text.
      'SELECT cidr::text AS cidr FROM free_block WHERE pool = $1 ORDER BY free_block.cidr',
      [pool],
    );
    const rebuilt = await client.query<{ cidr: string }>(
      'SELECT b::text AS cidr FROM ipam_free_blocks_from_allocations($1) AS b ORDER BY b',
      [pool],
    );
    return { table: table.rows.map((r) => r.cidr), rebuilt: rebuilt.rows.map((r) => r.cidr) };
  }

  /** One random walk over one pool: `steps` requests, checked one by one. */
  async function walk(name: string, cidr: string, seed: number, steps: number, depth: number): Promise<void> {
    const random = new SeededRandom(seed);
    const pool = parsePrefix(cidr);
    const bits = addressBits(pool.family);
    expect((await ipam.request('POST', '/v1/pools', { name, cidr })).status).toBe(201);
    const held = new Map<number, Prefix>();
    const counts = { nextFree: 0, exhausted: 0, explicit: 0, refused: 0, released: 0 };

    for (let step = 0; step < steps; step++) {
      const at = `seed ${seed}, step ${step}`;
      const roll = random.below(10);
      if (roll < 5) {
        // Mostly long prefixes, sometimes short ones, so that both splits and exhaustion happen.
        const length = pool.length + (random.chance(0.8) ? depth - random.below(3) : random.below(depth + 1));
        const expected = nextFreeBlock(pool, [...held.values()], length);
        const res = await ipam.request('POST', `/v1/pools/${name}/allocations`, {
          cluster: 'c',
          purpose: 'pods',
          prefixLength: length,
        });
        if (expected.kind === 'allocated') {
          expect(res.status, at).toBe(201);
          expect(res.body.cidr, at).toBe(formatPrefix(expected.prefix));
          held.set(res.body.id as number, expected.prefix);
          counts.nextFree++;
        } else {
          expect(res.status, at).toBe(409);
          const left = expected.largestFree
            ? `largest free block is /${expected.largestFree.length} ${formatPrefix(expected.largestFree)}`
            : 'the pool is full';
          expect(res.body.message, at).toContain(left);
          counts.exhausted++;
        }
      } else if (roll < 7) {
        const length = pool.length + 1 + random.below(depth);
        const offset = BigInt(random.below(2 ** (length - pool.length))) << BigInt(bits - length);
        const prefix: Prefix = { family: pool.family, base: pool.base + offset, length };
        const res = await ipam.request('POST', `/v1/pools/${name}/allocations`, {
          cluster: 'c',
          purpose: 'pods',
          cidr: formatPrefix(prefix),
        });
        const overlaps = [...held.values()].some((h) => prefixesOverlap(h, prefix));
        expect(res.status, at).toBe(overlaps ? 409 : 201);
        if (!overlaps) held.set(res.body.id as number, prefix);
        counts[overlaps ? 'refused' : 'explicit']++;
      } else if (held.size > 0) {
        const id = random.pick([...held.keys()]);
        expect((await ipam.request('DELETE', `/v1/allocations/${id}`)).status, at).toBe(200);
        held.delete(id);
        counts.released++;
      }

      const expectedFree = poolUtilization(pool, [...held.values()]).freeBlocks.map(formatPrefix);
      const { table, rebuilt } = await freeBlocksOf(name);
      expect(table, at).toEqual(expectedFree);
      expect(rebuilt, at).toEqual(expectedFree);
    }
    // Every kind of step happened, so the walk tested what it says.
    for (const [kind, n] of Object.entries(counts)) expect(n, `${kind} in seed ${seed}`).toBeGreaterThan(0);
  }

  it('agrees on an IPv4 pool (seed 1)', async () => {
    await walk('v4-a', '10.0.0.0/20', 1, 200, 6);
  });

  it('agrees on an IPv4 pool (seed 2), beside the first', async () => {
    await walk('v4-b', '10.1.0.0/22', 2, 200, 5);
  });

  it('agrees on an IPv6 pool, down to the last bits of the address', async () => {
    await walk('v6-a', '2001:db8:ffff:ffff:ffff:ffff:ffff:ff00/120', 3, 200, 6);
  });

  it('agrees on a large IPv6 pool', async () => {
    await walk('v6-b', '2001:db8:1::/48', 4, 200, 7);
  });

  it('frees a deleted pool with it, and a new pool is one free block', async () => {
    expect((await ipam.request('POST', '/v1/pools', { name: 'gone', cidr: '172.16.0.0/16' })).status).toBe(
      201,
    );
    expect((await freeBlocksOf('gone')).table).toEqual(['172.16.0.0/16']);
    expect((await ipam.request('DELETE', '/v1/pools/gone')).status).toBe(200);
    expect((await freeBlocksOf('gone')).table).toEqual([]);
  });
});
