import { describe, expect, it } from 'vitest';
import {
  comparePrefixes,
  hostMask,
  prefixContains,
  prefixContainsAddress,
  prefixesOverlap,
  prefixLast,
  prefixOf,
  prefixSize,
} from './prefix';
import { parsePrefix as p } from './prefix-text';

describe('prefix arithmetic', () => {
  it('sizes and last addresses, up to an IPv6 /0', () => {
    expect(prefixSize(p('192.168.0.0/17'))).toBe(32768n);
    expect(prefixLast(p('192.168.0.0/17'))).toBe(0xc0a87fffn);
    expect(prefixSize(p('10.0.0.1/32'))).toBe(1n);
    expect(prefixSize(p('::/0'))).toBe(1n << 128n);
    expect(prefixLast(p('::/0'))).toBe((1n << 128n) - 1n);
    expect(prefixSize(p('2001:db8::/48'))).toBe(1n << 80n);
  });

  it('refuses a length out of range', () => {
    expect(() => hostMask(4, 33)).toThrow(RangeError);
  });

  it('clears host bits when building from an address', () => {
    expect(prefixOf(4, 0xc0a8010an, 24)).toEqual(p('192.168.1.0/24'));
  });

  it.each([
    ['192.168.0.0/16', '192.168.128.0/17', true, true],
    ['192.168.0.0/17', '192.168.128.0/17', false, false],
    ['192.168.0.0/17', '192.168.0.0/17', true, true],
    ['192.168.0.64/26', '192.168.0.0/24', false, true],
    ['0.0.0.0/0', '10.0.0.0/8', true, true],
    ['::/0', '10.0.0.0/8', false, false],
    ['2001:db8::/48', '2001:db8:0:ffff::/64', true, true],
    ['2001:db8::/48', '2001:db8:1::/64', false, false],
  ])('%s contains %s: %s, overlap: %s', (outer, inner, contains, overlap) => {
    expect(prefixContains(p(outer), p(inner))).toBe(contains);
    expect(prefixesOverlap(p(outer), p(inner))).toBe(overlap);
    expect(prefixesOverlap(p(inner), p(outer))).toBe(overlap);
  });

  it('tests addresses of the right family only', () => {
    expect(prefixContainsAddress(p('10.0.0.0/8'), 4, 0x0affffffn)).toBe(true);
    expect(prefixContainsAddress(p('10.0.0.0/8'), 4, 0x0b000000n)).toBe(false);
    expect(prefixContainsAddress(p('::/0'), 4, 1n)).toBe(false);
  });

  it('orders IPv4 first, then by address, the enclosing prefix first', () => {
    const sorted = ['2001:db8::/32', '10.0.0.0/24', '10.0.0.0/8', '9.0.0.0/8', '::/0']
      .map(p)
      .sort(comparePrefixes);
    expect(sorted).toEqual(['9.0.0.0/8', '10.0.0.0/8', '10.0.0.0/24', '::/0', '2001:db8::/32'].map(p));
  });
});
