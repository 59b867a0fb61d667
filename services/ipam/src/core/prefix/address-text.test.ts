import { formatAddress, NetParseError, parseAddress } from '@isthmus/net';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../testing/seeded-random';
import { formatIpv6, parseAddressValue, parseCanonicalAddress } from './address-text';

/** Random 128-bit values with many zero groups, where RFC 5952 "::" placement gets interesting. */
function sparseIpv6(random: SeededRandom): bigint {
  let value = 0n;
  for (let g = 0; g < 8; g++) {
    const group = random.chance(0.5) ? 0 : random.chance(0.3) ? random.below(16) : random.below(0x10000);
    value = (value << 16n) | BigInt(group);
  }
  return value;
}

describe('formatIpv6 (RFC 5952 §4)', () => {
  it.each([
    [0n, '::'],
    [1n, '::1'],
    [0x20010db8000000000000000000000001n, '2001:db8::1'],
    // §4.2.2: a single zero group is not compressed.
    [0x20010db8000000010001000100010001n, '2001:db8:0:1:1:1:1:1'],
    // §4.2.3: the longest run wins; on a tie, the first.
    [0x20010db8000000000001000000000001n, '2001:db8::1:0:0:1'],
    [0x00010000000000020000000000030004n, '1::2:0:0:3:4'],
    [0x20010db8000100000000000000000000n, '2001:db8:1::'],
    // §4.3: lowercase.
    [0xabcdef00000000000000000000000000n, 'abcd:ef00::'],
  ])('%s is %s', (value, text) => {
    expect(formatIpv6(value)).toBe(text);
  });

  it('writes what @isthmus/net writes, for 5,000 seeded random addresses', () => {
    const random = new SeededRandom(5952);
    for (let i = 0; i < 5000; i++) {
      const value = sparseIpv6(random);
      expect(formatIpv6(value), value.toString(16)).toBe(formatAddress(6, value));
    }
  });
});

describe('parseCanonicalAddress', () => {
  it('reads back every canonical address, IPv4 and IPv6', () => {
    const random = new SeededRandom(4291);
    for (let i = 0; i < 2000; i++) {
      const v6 = sparseIpv6(random);
      expect(parseCanonicalAddress(formatAddress(6, v6))).toEqual({ family: 6, value: v6 });
      const v4 = BigInt(random.next32());
      expect(parseCanonicalAddress(formatAddress(4, v4))).toEqual({ family: 4, value: v4 });
    }
  });

  it.each([
    '010.0.0.1',
    '10.0.0',
    '10.0.0.1.',
    '10.0.0.256',
    '1000.0.0.1',
    '10..0.1',
    '',
    '2001:DB8::1',
    '2001:db8:0:0::1',
    '::0:1',
    '2001:0db8::1',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    ':::',
    '::ffff:10.0.0.1',
    '2001:db8::g',
  ])('leaves %j to the slow path', (text) => {
    expect(parseCanonicalAddress(text)).toBeUndefined();
  });
});

describe('parseAddressValue', () => {
  it.each([
    ['192.168.0.10', 4, 0xc0a8000an],
    ['2001:DB8:0:0::1', 6, 0x20010db8000000000000000000000001n],
    ['::ffff:10.0.0.1', 6, 0xffff0a000001n],
  ])('accepts %s in any valid spelling', (text, family, value) => {
    expect(parseAddressValue(text)).toEqual({ family, value });
    expect(value).toBe(parseAddress(text).value);
  });

  it('says what is wrong with an invalid address', () => {
    expect(() => parseAddressValue('10.0.0.256')).toThrow(NetParseError);
    expect(() => parseAddressValue('10.0.0.0/8')).toThrow(/is a prefix/);
  });
});
