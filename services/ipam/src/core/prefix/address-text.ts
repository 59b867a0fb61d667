import { parseAddress, type IpFamily } from '@isthmus/net';

/**
 * Address text <-> bigint without ip-address objects. Registry events and database rows carry
 * addresses in canonical text already (RFC 5952 §4 for IPv6, the form @isthmus/net writes), so
 * the fast path accepts exactly that form; anything else goes through @isthmus/net, which either
 * understands the spelling or throws a NetParseError that says what to write instead.
 */

export interface AddressValue {
  family: IpFamily;
  value: bigint;
}

/** Dotted quad, no leading zeros (the only IPv4 form @isthmus/net calls canonical). */
export function formatIpv4(value: bigint): string {
  const n = Number(value);
  return `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
}

function ipv6Groups(value: bigint): number[] {
  const groups: number[] = [];
  for (const shift of [96n, 64n, 32n, 0n]) {
    const word = Number((value >> shift) & 0xffffffffn);
    groups.push(word >>> 16, word & 0xffff);
  }
  return groups;
}

/**
 * RFC 5952 §4: lowercase hex, no leading zeros (§4.1), "::" for the longest run of two or more
 * zero groups (§4.2.1-§4.2.2), the first such run on a tie (§4.2.3). IPv4-mapped addresses stay
 * in hex, as @isthmus/net writes them (it keeps them as IPv6, never translating families).
 */
export function formatIpv6(value: bigint): string {
  const groups = ipv6Groups(value);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) =>
    groups
      .slice(from, to)
      .map((g) => g.toString(16))
      .join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}

export function formatAddressValue(family: IpFamily, value: bigint): string {
  return family === 4 ? formatIpv4(value) : formatIpv6(value);
}

const DIGIT_0 = 48;

/** Canonical dotted quad to its value, or -1 when the text is anything else. */
function parseCanonicalIpv4(text: string): number {
  let value = 0;
  let octet = -1;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46; // a virtual "." closes the last octet
    if (c === 46) {
      if (digits === 0 || octet > 255) return -1;
      value = value * 256 + octet;
      if (i < text.length && ++dots > 3) return -1;
      octet = -1;
      digits = 0;
    } else if (c >= DIGIT_0 && c <= DIGIT_0 + 9) {
      if (octet === 0) return -1; // leading zero
      octet = (octet < 0 ? 0 : octet * 10) + (c - DIGIT_0);
      if (++digits > 3) return -1;
    } else {
      return -1;
    }
  }
  return dots === 3 ? value : -1;
}

const HEX_GROUP = /^[0-9a-f]{1,4}$/;

function parseGroups(part: string, into: number[]): boolean {
  if (part === '') return true;
  for (const g of part.split(':')) {
    if (!HEX_GROUP.test(g)) return false;
    into.push(parseInt(g, 16));
  }
  return true;
}

/** Canonical RFC 5952 text to its value, or undefined when the text is anything else. */
function parseCanonicalIpv6(text: string): bigint | undefined {
  const gap = text.indexOf('::');
  if (gap !== text.lastIndexOf('::')) return undefined;
  const head: number[] = [];
  const tail: number[] = [];
  if (!parseGroups(gap < 0 ? text : text.slice(0, gap), head)) return undefined;
  if (gap >= 0 && !parseGroups(text.slice(gap + 2), tail)) return undefined;
  const missing = 8 - head.length - tail.length;
  if (gap < 0 ? missing !== 0 : missing < 1) return undefined;
  let value = 0n;
  for (const g of [...head, ...new Array<number>(missing).fill(0), ...tail])
    value = (value << 16n) | BigInt(g);
  // The same value has one canonical spelling: "0:0::1", "::0:1" and uppercase fall back.
  return formatIpv6(value) === text ? value : undefined;
}

/** The value of a canonical address, or undefined (never throws). */
export function parseCanonicalAddress(text: string): AddressValue | undefined {
  if (text.includes(':')) {
    const value = parseCanonicalIpv6(text);
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseCanonicalIpv4(text);
  return value < 0 ? undefined : { family: 4, value: BigInt(value) };
}

/** Any valid spelling of an address; throws NetParseError (with what to write) otherwise. */
export function parseAddressValue(text: string): AddressValue {
  const fast = parseCanonicalAddress(text);
  if (fast) return fast;
  const { family, value } = parseAddress(text);
  return { family, value };
}
