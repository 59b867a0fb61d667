import { normalizeCidr } from '@isthmus/net';
import { describe, expect, it } from 'vitest';
import { Random } from '../fuzz/random';
import { formatIpv4, parseIpv4 } from './ipv4-text';
import { formatIpv6, parseIpv6 } from './ipv6-text';

/** Addresses with many zero groups, so every compression case of RFC 5952 §4.2 comes up. */
function randomIpv6(rng: Random): Uint8Array {
  const bytes = new Uint8Array(16);
  for (let g = 0; g < 8; g++) {
    const kind = rng.below(4);
    const value = kind === 0 ? rng.below(0x10000) : kind === 1 ? rng.below(0x100) : 0;
    bytes[2 * g] = value >> 8;
    bytes[2 * g + 1] = value & 0xff;
  }
  return bytes;
}

function canonical(address: string): string {
  return normalizeCidr(`${address}/128`).network;
}

describe('IPv6 text (RFC 5952)', () => {
  it('formats 20,000 random addresses exactly as @isthmus/net normalizeCidr does', () => {
    const rng = new Random(6);
    for (let i = 0; i < 20_000; i++) {
      const text = formatIpv6(randomIpv6(rng), 0);
      expect(text).toBe(canonical(text));
    }
  });

  it.each([
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // the first of two equal runs
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the longest run, not the first
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group stays
    ['2001:DB8:00AB::0001', '2001:db8:ab::1'], // lower case, no leading zeros
    ['::ffff:1.2.3.4', '::ffff:102:304'], // an embedded dotted quad
  ])('reads %s and writes it back as %s', (input, expected) => {
    const bytes = parseIpv6(input);
    expect(bytes).toBeDefined();
    expect(formatIpv6(bytes!, 0)).toBe(expected);
    expect(expected).toBe(canonical(input));
  });

  it.each([
    '',
    ':',
    ':::',
    '1::2::3',
    '12345::',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '::g',
    '1:',
    ':1',
    '::1.2.3',
    '::256.1.1.1',
  ])('refuses %j', (input) => {
    expect(parseIpv6(input)).toBeUndefined();
  });
});

describe('IPv4 text', () => {
  it('reads and writes dotted quads', () => {
    const bytes = parseIpv4('192.0.2.255');
    expect(Array.from(bytes!)).toEqual([192, 0, 2, 255]);
    expect(formatIpv4(Uint8Array.of(9, 10, 0, 1, 2), 1)).toBe('10.0.1.2');
  });

  it.each(['', '1.2.3', '1.2.3.4.5', '256.0.0.1', '01.2.3.4', '1..2.3', '1.2.3.4 ', 'a.b.c.d', '1.2.3.-4'])(
    'refuses %j',
    (input) => {
      expect(parseIpv4(input)).toBeUndefined();
    },
  );
});
