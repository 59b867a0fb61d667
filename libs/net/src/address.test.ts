import { Address4 } from 'ip-address';
import { describe, expect, it } from 'vitest';
import { formatAddress, parseAddress } from './address';
import { parseCidr } from './cidr';

/** What ip-address alone makes of an IPv4 text: the behaviour the canonical fast path must keep. */
function viaIpAddress(text: string) {
  try {
    const a = new Address4(text);
    return { family: 4, address: a.correctForm(), value: a.bigInt() };
  } catch {
    return 'error';
  }
}

function ours(text: string) {
  try {
    return parseAddress(text);
  } catch {
    return 'error';
  }
}

describe('IPv4 canonical fast path', () => {
  it('parses every octet value as ip-address does, at each position', () => {
    for (let octet = 0; octet <= 255; octet++) {
      for (const text of [`${octet}.0.0.1`, `10.${octet}.0.1`, `10.0.${octet}.1`, `10.0.0.${octet}`]) {
        expect(ours(text)).toEqual(viaIpAddress(text));
      }
    }
  });

  it('agrees with ip-address on pseudo-random addresses and round-trips through formatAddress', () => {
    let x = 0x9e3779b9;
    for (let i = 0; i < 5000; i++) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      const text = [x >>> 24, (x >>> 16) & 255, (x >>> 8) & 255, x & 255].join('.');
      const parsed = parseAddress(text);
      expect(parsed).toEqual(viaIpAddress(text));
      expect(parsed.value).toBe(BigInt(x));
      expect(formatAddress(4, parsed.value)).toBe(text);
    }
  });

  it('leaves non-canonical and invalid spellings to the general path', () => {
    for (const text of [
      '01.2.3.4',
      '1.2.3.004',
      '256.0.0.1',
      '1.2.3',
      '1.2.3.4.5',
      '1..2.3',
      '+1.2.3.4',
      '1.2.3.4 ',
    ]) {
      const result = ours(text);
      const reference = viaIpAddress(text);
      // parseAddress refuses surrounding blanks before any parsing; otherwise ip-address decides.
      if (text.trim() !== text) expect(result).toBe('error');
      else expect(result).toEqual(reference);
    }
    expect(() => parseCidr('01.2.3.0/24')).toThrow(/is not a valid prefix/);
  });

  it('formats the ends of the IPv4 range and refuses values outside it', () => {
    expect(formatAddress(4, 0n)).toBe('0.0.0.0');
    expect(formatAddress(4, 0xffffffffn)).toBe('255.255.255.255');
    expect(() => formatAddress(4, 0x100000000n)).toThrow(RangeError);
    expect(parseCidr('10.128.0.64/26')).toMatchObject({ first: 0x0a800040n, last: 0x0a80007fn });
  });
});
