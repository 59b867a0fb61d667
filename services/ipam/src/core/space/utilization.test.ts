import { describe, expect, it } from 'vitest';
import { prefixesOverlap, prefixSize, type Prefix } from '../prefix/prefix';
import { formatPrefix, parsePrefix } from '../prefix/prefix-text';
import { SeededRandom } from '../testing/seeded-random';
import { nextFreeBlock } from './next-free';
import { poolUtilization, utilizationView } from './utilization';

function view(pool: string, occupied: string[]) {
  return utilizationView(poolUtilization(parsePrefix(pool), occupied.map(parsePrefix)));
}

describe('poolUtilization', () => {
  it('seed 002: the two /17s fill the /16', () => {
    expect(view('192.168.0.0/16', ['192.168.0.0/17', '192.168.128.0/17'])).toEqual({
      pool: '192.168.0.0/16',
      size: '65536',
      used: '65536',
      free: '0',
      usedPercent: 100,
      largestFree: null,
      freeBlocks: [],
    });
  });

  it('an empty pool is one free block', () => {
    expect(view('10.0.0.0/8', [])).toMatchObject({
      used: '0',
      free: '16777216',
      usedPercent: 0,
      largestFree: '10.0.0.0/8',
      freeBlocks: ['10.0.0.0/8'],
    });
  });

  it('decomposes free space into the minimal set of CIDRs', () => {
    // One /32 taken at .7: the rest of the /24 is .0/30, .4/31, .6/32, .8/29, .16/28, .32/27, .64/26, .128/25.
    expect(view('10.0.0.0/24', ['10.0.0.7/32'])).toMatchObject({
      used: '1',
      free: '255',
      usedPercent: 0.39,
      largestFree: '10.0.0.128/25',
      freeBlocks: [
        '10.0.0.0/30',
        '10.0.0.4/31',
        '10.0.0.6/32',
        '10.0.0.8/29',
        '10.0.0.16/28',
        '10.0.0.32/27',
        '10.0.0.64/26',
        '10.0.0.128/25',
      ],
    });
  });

  it('the largest free block is the lowest one on a tie', () => {
    expect(view('10.0.0.0/22', ['10.0.1.0/24', '10.0.3.0/24'])).toMatchObject({
      largestFree: '10.0.0.0/24',
      freeBlocks: ['10.0.0.0/24', '10.0.2.0/24'],
    });
  });

  it('seed 002 with Calico /26 blocks counts nested prefixes once', () => {
    expect(view('192.168.0.0/16', ['192.168.0.0/17', '192.168.0.0/26', '192.168.0.64/26'])).toMatchObject({
      used: '32768',
      free: '32768',
      usedPercent: 50,
      largestFree: '192.168.128.0/17',
    });
  });

  it('IPv6: a /48 with two /64s taken', () => {
    const v = view('2001:db8::/48', ['2001:db8::/64', '2001:db8:0:1::/64']);
    expect(v).toMatchObject({
      size: (1n << 80n).toString(),
      used: (2n << 64n).toString(),
      largestFree: '2001:db8:0:8000::/49',
    });
    expect(v.freeBlocks).toHaveLength(15);
    expect(v.freeBlocks[0]).toBe('2001:db8:0:2::/63');
  });

  it('IPv6: the whole address space as a pool', () => {
    expect(view('::/0', ['2001:db8::/32'])).toMatchObject({
      size: '340282366920938463463374607431768211456',
      used: (1n << 96n).toString(),
      usedPercent: 0,
      largestFree: '8000::/1',
    });
  });

  it('free blocks and used space partition the pool, for seeded random allocations', () => {
    const random = new SeededRandom(2023);
    for (let round = 0; round < 40; round++) {
      const pool = parsePrefix(random.chance(0.5) ? '10.0.0.0/16' : '2001:db8::/112');
      const occupied: Prefix[] = [];
      for (let i = 0; i < 200; i++) {
        const r = nextFreeBlock(pool, occupied, pool.length + 4 + random.below(12));
        if (r.kind === 'allocated') occupied.push(r.prefix);
      }
      // Release some, so free space is fragmented.
      const kept = occupied.filter(() => random.chance(0.6));
      const u = poolUtilization(pool, kept);
      const freeTotal = u.freeBlocks.reduce((s, p) => s + prefixSize(p), 0n);
      expect(freeTotal).toBe(u.free);
      expect(u.used + u.free).toBe(u.size);
      for (const f of u.freeBlocks) expect(kept.some((k) => prefixesOverlap(k, f))).toBe(false);
      // Minimal: no two adjacent free blocks could merge into one aligned block.
      for (let i = 1; i < u.freeBlocks.length; i++) {
        const [a, b] = [u.freeBlocks[i - 1]!, u.freeBlocks[i]!];
        const mergeable =
          a.length === b.length && a.base + prefixSize(a) === b.base && (a.base & prefixSize(a)) === 0n;
        expect(mergeable, `${formatPrefix(a)} + ${formatPrefix(b)}`).toBe(false);
      }
    }
  });
});
