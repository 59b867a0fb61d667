import { NetParseError, parseCidr } from '@isthmus/net';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../testing/seeded-random';
import { addressBits, prefixOf, type IpFamily } from './prefix';
import { formatPrefix, normalizePrefix, parsePrefix } from './prefix-text';

describe('parsePrefix', () => {
  it.each([
    ['192.168.0.0/16', 4, 0xc0a80000n, 16],
    ['192.168.128.0/17', 4, 0xc0a88000n, 17],
    ['0.0.0.0/0', 4, 0n, 0],
    ['10.0.0.1/32', 4, 0x0a000001n, 32],
    ['2001:db8::/48', 6, 0x20010db8000000000000000000000000n, 48],
    ['2001:db8:0:1::/64', 6, 0x20010db8000000010000000000000000n, 64],
    ['::/0', 6, 0n, 0],
    ['::1/128', 6, 1n, 128],
  ])('%s', (text, family, base, length) => {
    expect(parsePrefix(text)).toEqual({ family, base, length });
    expect(formatPrefix(parsePrefix(text))).toBe(text);
  });

  it.each([
    ['192.168.1.10/24', '"192.168.1.10/24" has host bits set; the prefix is "192.168.1.0/24"'],
    ['10.0.0.0/33', 'IPv4 prefix lengths are 0 to 32'],
    ['2001:db8::/129', 'IPv6 prefix lengths are 0 to 128'],
    ['10.0.0.0/08', 'not in canonical form; write "10.0.0.0/8"'],
    ['2001:DB8::/32', 'not in canonical form; write "2001:db8::/32"'],
    ['10.0.0.0', 'no prefix length'],
    ['banana/8', 'not a valid prefix'],
  ])('refuses %j with the message of @isthmus/net', (text, message) => {
    expect(() => parsePrefix(text)).toThrow(NetParseError);
    expect(() => parsePrefix(text)).toThrow(message);
  });

  it('agrees with parseCidr on seeded random canonical prefixes of both families', () => {
    const random = new SeededRandom(1918);
    for (let i = 0; i < 3000; i++) {
      const family: IpFamily = random.chance(0.5) ? 4 : 6;
      const length = random.below(addressBits(family) + 1);
      const text = formatPrefix(prefixOf(family, random.bits(addressBits(family)), length));
      const cidr = parseCidr(text);
      expect(parsePrefix(text)).toEqual({ family, base: cidr.first, length: cidr.prefixLength });
    }
  });
});

describe('normalizePrefix', () => {
  it.each([
    ['2001:DB8:0::/48', '2001:db8::/48'],
    ['10.0.0.0/08', '10.0.0.0/8'],
    ['10.0.0.0/8', '10.0.0.0/8'],
  ])('%s is %s', (text, canonical) => {
    expect(formatPrefix(normalizePrefix(text))).toBe(canonical);
  });

  it('still refuses host bits set', () => {
    expect(() => normalizePrefix('10.0.0.1/8')).toThrow(/host bits set/);
  });
});
