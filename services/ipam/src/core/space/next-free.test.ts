import { describe, expect, it } from 'vitest';
import { IpamInputError } from '../errors';
import { prefixesOverlap, type Prefix } from '../prefix/prefix';
import { formatPrefix, parsePrefix } from '../prefix/prefix-text';
import { describeExhaustion, nextFreeBlock, type NextFreeBlock } from './next-free';

const text = (r: NextFreeBlock) =>
  r.kind === 'allocated'
    ? formatPrefix(r.prefix)
    : `exhausted, largest free ${r.largestFree ? formatPrefix(r.largestFree) : 'none'}, ${r.freeAddresses} free`;

function next(pool: string, occupied: string[], length: number): string {
  return text(nextFreeBlock(parsePrefix(pool), occupied.map(parsePrefix), length));
}

describe('nextFreeBlock', () => {
  it.each([
    // Seed 002's plan: the k8s /17 and the DC/OS /17, then the pool is full.
    ['192.168.0.0/16', [], 17, '192.168.0.0/17'],
    ['192.168.0.0/16', ['192.168.0.0/17'], 17, '192.168.128.0/17'],
    ['192.168.0.0/16', ['192.168.0.0/17', '192.168.128.0/17'], 17, 'exhausted, largest free none, 0 free'],
    // Alignment: after a /24 at .0.0 a /23 cannot start at .1.0 (host bits set), it is .2.0.
    ['10.0.0.0/16', ['10.0.0.0/24'], 23, '10.0.2.0/23'],
    // The gap at .1.0/24 is used by a later /24 request: lowest address first.
    ['10.0.0.0/16', ['10.0.0.0/24', '10.0.2.0/23'], 24, '10.0.1.0/24'],
    // Unsorted and nested input is merged before the sweep.
    ['10.0.0.0/24', ['10.0.0.128/25', '10.0.0.0/26', '10.0.0.0/27'], 26, '10.0.0.64/26'],
    // The whole pool as one block.
    ['10.0.0.0/24', [], 24, '10.0.0.0/24'],
    ['10.0.0.0/24', ['10.0.0.7/32'], 24, 'exhausted, largest free 10.0.0.128/25, 255 free'],
    // Fragmented: 256 addresses free in all, but no aligned /25.
    ['10.0.0.0/23', ['10.0.0.0/25', '10.0.1.128/25'], 24, 'exhausted, largest free 10.0.0.128/25, 256 free'],
    // Prefixes outside the pool do not matter; one enclosing the pool fills it.
    ['10.0.0.0/24', ['10.0.1.0/24', '9.0.0.0/8'], 25, '10.0.0.0/25'],
    ['10.0.0.0/24', ['10.0.0.0/8'], 32, 'exhausted, largest free none, 0 free'],
    ['0.0.0.0/0', ['0.0.0.0/1'], 1, '128.0.0.0/1'],
    ['10.0.0.0/8', ['10.0.0.0/32'], 32, '10.0.0.1/32'],
  ])('pool %s with %j, next /%i: %s', (pool, occupied, length, expected) => {
    expect(next(pool, occupied, length)).toBe(expected);
  });

  it.each([
    // IPv6: a /48 pool handing out /64 blocks.
    ['2001:db8::/48', [], 64, '2001:db8::/64'],
    ['2001:db8::/48', ['2001:db8::/64', '2001:db8:0:1::/64'], 64, '2001:db8:0:2::/64'],
    ['2001:db8::/48', ['2001:db8::/64'], 56, '2001:db8:0:100::/56'],
    ['2001:db8::/48', ['2001:db8::/49', '2001:db8:0:8000::/49'], 64, 'exhausted, largest free none, 0 free'],
    // The whole IPv6 space as a pool: bigint all the way, no enumeration.
    ['::/0', ['::/1'], 1, '8000::/1'],
    ['::/0', ['::/128'], 1, '8000::/1'],
    [
      '::/0',
      ['::/1', '8000::/2', 'c000::/3'],
      2,
      'exhausted, largest free e000::/3, 42535295865117307932921825928971026432 free',
    ],
  ])('IPv6 pool %s with %j, next /%i: %s', (pool, occupied, length, expected) => {
    expect(next(pool, occupied, length)).toBe(expected);
  });

  it('hands out every /64 of a /56 in order, then reports exhaustion', () => {
    const pool = parsePrefix('2001:db8:0:100::/56');
    const taken: Prefix[] = [];
    for (let i = 0; i < 256; i++) {
      const r = nextFreeBlock(pool, taken, 64);
      if (r.kind !== 'allocated') throw new Error(`exhausted after ${i}`);
      expect(taken.some((t) => prefixesOverlap(t, r.prefix))).toBe(false);
      taken.push(r.prefix);
    }
    expect(formatPrefix(taken[255]!)).toBe('2001:db8:0:1ff::/64');
    expect(nextFreeBlock(pool, taken, 64).kind).toBe('exhausted');
  });

  it('finds the one free block among 10,000 allocations', () => {
    const pool = parsePrefix('10.0.0.0/8');
    const occupied: Prefix[] = [];
    for (let i = 0; i < 10_000; i++)
      if (i !== 7777) occupied.push({ family: 4, base: 0x0a000000n + BigInt(i) * 64n, length: 26 });
    occupied.reverse();
    expect(next('10.0.0.0/8', occupied.map(formatPrefix), 26)).toBe('10.7.152.64/26');
    expect(nextFreeBlock(pool, occupied, 16)).toMatchObject({
      kind: 'allocated',
      prefix: parsePrefix('10.10.0.0/16'),
    });
  });

  it.each([
    [
      '192.168.0.0/16',
      15,
      'a /15 cannot be allocated from the pool 192.168.0.0/16: ask for a prefix length from 16 to 32',
    ],
    ['192.168.0.0/16', 33, 'ask for a prefix length from 16 to 32'],
    ['2001:db8::/48', 129, 'ask for a prefix length from 48 to 128'],
    ['2001:db8::/48', 64.5, 'a /64.5 cannot be allocated'],
  ])('refuses a length the pool %s cannot give: /%s', (pool, length, message) => {
    expect(() => nextFreeBlock(parsePrefix(pool), [], length)).toThrow(IpamInputError);
    expect(() => nextFreeBlock(parsePrefix(pool), [], length)).toThrow(message);
  });

  it('refuses occupied prefixes of the other family', () => {
    expect(() => nextFreeBlock(parsePrefix('10.0.0.0/8'), [parsePrefix('2001:db8::/64')], 24)).toThrow(
      'an IPv6 prefix cannot occupy the IPv4 pool',
    );
  });

  it('says what is left when the pool is exhausted', () => {
    const pool = parsePrefix('192.168.0.0/16');
    const r = nextFreeBlock(pool, [parsePrefix('192.168.0.0/17'), parsePrefix('192.168.192.0/18')], 17);
    if (r.kind !== 'exhausted') throw new Error('expected exhaustion');
    expect(describeExhaustion(pool, r)).toBe(
      'the pool 192.168.0.0/16 has no free /17: the largest free block is 192.168.128.0/18 (16384 addresses free in all)',
    );
    const full = nextFreeBlock(pool, [pool], 24);
    if (full.kind !== 'exhausted') throw new Error('expected exhaustion');
    expect(describeExhaustion(pool, full)).toBe('the pool 192.168.0.0/16 has no free /24: it is full');
  });
});
