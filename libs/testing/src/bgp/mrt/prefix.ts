import { isIPv4, isIPv6 } from 'node:net';

/** A prefix as RFC 6396 §4.3.2 writes it: the family, the length in bits, and ceil(length/8) address octets. */
export interface EncodedPrefix {
  family: 'ipv4' | 'ipv6';
  length: number;
  octets: Uint8Array;
}

/** "10.0.0.0/26" or "2001:db8:1::/48" to its length and leading octets. */
export function encodePrefix(cidr: string): EncodedPrefix {
  const slash = cidr.indexOf('/');
  if (slash < 0) throw new Error(`not a prefix: ${cidr}`);
  const address = cidr.slice(0, slash);
  const length = Number(cidr.slice(slash + 1));
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
  if (!family) throw new Error(`not a prefix: ${cidr}`);
  const bits = family === 'ipv4' ? 32 : 128;
  if (!Number.isInteger(length) || length < 0 || length > bits)
    throw new Error(`bad prefix length in ${cidr}`);
  const full = family === 'ipv4' ? ipv4Octets(address) : ipv6Octets(address);
  return { family, length, octets: full.subarray(0, Math.ceil(length / 8)) };
}

/** The 4 octets of a dotted-quad IPv4 address. */
export function ipv4Octets(address: string): Uint8Array {
  if (!isIPv4(address)) throw new Error(`not an IPv4 address: ${address}`);
  return Uint8Array.from(address.split('.').map(Number));
}

/** The 16 octets of an IPv6 address (RFC 4291 §2.2 text forms, "::" and an IPv4 tail included). */
export function ipv6Octets(address: string): Uint8Array {
  if (!isIPv6(address)) throw new Error(`not an IPv6 address: ${address}`);
  // An IPv4 tail ("::ffff:192.0.2.1") stands for the last two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  let text = address;
  if (dotted?.[1]) {
    const [a = 0, b = 0, c = 0, d = 0] = ipv4Octets(dotted[1]);
    text = `${address.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const groups = (part: string): string[] => (part === '' ? [] : part.split(':'));
  let words = groups(head);
  if (tail !== undefined) {
    const after = groups(tail);
    words = [...words, ...Array<string>(8 - words.length - after.length).fill('0'), ...after];
  }
  const octets = new Uint8Array(16);
  words.forEach((word, i) => {
    const value = parseInt(word, 16);
    octets[i * 2] = value >> 8;
    octets[i * 2 + 1] = value & 0xff;
  });
  return octets;
}
