import { normalizeCidr } from '@isthmus/net';
import { describe, expect, it } from 'vitest';
import { formatIpv4 } from '../address/ipv4-text';
import { formatIpv6 } from '../address/ipv6-text';
import { Random } from '../fuzz/random';
import { hex } from '../testing/hex';
import { decodePrefixes, encodePrefixes, writePrefix } from './prefix-wire';

/** A random prefix in the text @isthmus/net normalizeCidr makes of it (host bits cleared first). */
function canonicalPrefix(rng: Random, afi: 1 | 2): string {
  const bits = rng.below(afi === 1 ? 33 : 129);
  const bytes = rng.bytes(afi === 1 ? 4 : 16);
  for (let k = 0; k < bytes.length; k++) {
    const kept = Math.min(8, Math.max(0, bits - 8 * k));
    bytes[k] = bytes[k]! & ((0xff << (8 - kept)) & 0xff);
  }
  const address = afi === 1 ? formatIpv4(bytes, 0) : formatIpv6(bytes, 0);
  return normalizeCidr(`${address}/${bits}`).cidr;
}

describe('prefixes on the wire (RFC 4271 §4.3, RFC 4760 §5)', () => {
  it.each([1, 2] as const)(
    'round-trips 10,000 random prefixes of AFI %i, in the text normalizeCidr writes',
    (afi) => {
      const rng = new Random(afi);
      const prefixes = Array.from({ length: 10_000 }, () => canonicalPrefix(rng, afi));
      const { bytes, ends } = encodePrefixes(afi, prefixes);
      expect(ends.length).toBe(prefixes.length);
      expect(decodePrefixes(afi, bytes, 0, bytes.length)).toEqual(prefixes);
    },
  );

  it('writes only the octets the length needs', () => {
    const { bytes } = encodePrefixes(1, ['0.0.0.0/0', '10.0.0.0/8', '192.168.0.0/26', '192.0.2.1/32']);
    expect(bytes).toEqual(
      hex`
        00                # /0, no octet
        08 0a             # /8, one octet
        1a c0 a8 00 00    # /26, four octets
        20 c0 00 02 01    # /32
      `,
    );
  });

  it('clears trailing bits that a sender left set (their value is irrelevant, RFC 4271 §4.3)', () => {
    // /26 whose last octet is ff: only its two high bits belong to the prefix.
    expect(decodePrefixes(1, hex`1a 0a 00 00 ff`, 0, 5)).toEqual(['10.0.0.192/26']);
    expect(decodePrefixes(2, hex`0c 20 1f`, 0, 3)).toEqual(['2010::/12']);
    // An encoder given host bits writes the prefix they belong to.
    const out = new Uint8Array(17);
    expect(out.subarray(0, writePrefix(1, '10.1.2.3/8', out, 0))).toEqual(hex`08 0a`);
  });

  it.each([
    ['a length of 33 for IPv4', 1, hex`21 0a 00 00 00 00`],
    ['a length of 129 for IPv6', 2, hex`81 ${'00'.repeat(17)}`],
    ['a prefix cut short', 1, hex`18 0a 00`],
    ['a length with no octets after it', 1, hex`08`],
  ] as const)('finds %s malformed (RFC 7606 §5.3)', (_what, afi, bytes) => {
    expect(decodePrefixes(afi, bytes, 0, bytes.length)).toBeUndefined();
  });

  it.each(['10.0.0.0', '10.0.0.0/33', '10.0.0.0/', '10.0.0/8', '2001:db8::/48', '10.0.0.0/08', 'x/1'])(
    'refuses to encode %j as IPv4',
    (prefix) => {
      expect(() => encodePrefixes(1, [prefix])).toThrow(/not an IPv4 prefix/);
    },
  );
});
