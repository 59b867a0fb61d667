import { parseIpv4Into } from '../address/ipv4-text';
import { formatIpv6, parseIpv6Into } from '../address/ipv6-text';
import type { Afi, Prefix } from '../types';

// RFC 4271 §4.3 (and RFC 4760 §5 for IPv6): a prefix on the wire is its length in bits, then just
// enough octets to hold that many bits. The trailing bits of the last octet are irrelevant, so they
// are masked off here: the text is always the canonical prefix.

const MAX_LENGTH = { 1: 32, 2: 128 } as const;
const scratch = new Uint8Array(16);
/** Decimal text of every octet value and "/length" suffix, so a prefix is a few concatenations. */
const OCTET_TEXT = Array.from({ length: 256 }, (_, i) => String(i));
const LENGTH_TEXT = Array.from({ length: 129 }, (_, i) => `/${i}`);

/** The last octet of a prefix of `bits` bits, its trailing bits cleared. */
function maskLast(octet: number, bits: number): number {
  return bits & 7 ? octet & (0xff << (8 - (bits & 7))) : octet;
}

function formatIpv4Prefix(buf: Uint8Array, offset: number, bits: number, octets: number): Prefix {
  const a = octets > 0 ? (octets === 1 ? maskLast(buf[offset]!, bits) : buf[offset]!) : 0;
  const b = octets > 1 ? (octets === 2 ? maskLast(buf[offset + 1]!, bits) : buf[offset + 1]!) : 0;
  const c = octets > 2 ? (octets === 3 ? maskLast(buf[offset + 2]!, bits) : buf[offset + 2]!) : 0;
  const d = octets > 3 ? maskLast(buf[offset + 3]!, bits) : 0;
  return (
    OCTET_TEXT[a]! + '.' + OCTET_TEXT[b]! + '.' + OCTET_TEXT[c]! + '.' + OCTET_TEXT[d]! + LENGTH_TEXT[bits]!
  );
}

function formatIpv6Prefix(buf: Uint8Array, offset: number, bits: number, octets: number): Prefix {
  scratch.fill(0);
  for (let k = 0; k < octets; k++) scratch[k] = buf[offset + k]!;
  if (octets > 0) scratch[octets - 1] = maskLast(scratch[octets - 1]!, bits);
  return formatIpv6(scratch, 0) + LENGTH_TEXT[bits]!;
}

/**
 * The prefixes in `buf[start, end)`, or undefined when the field is not a whole number of
 * well-formed prefixes (RFC 7606 §5.3: a length beyond the family's maximum, or a prefix that
 * overruns the field).
 */
export function decodePrefixes(afi: Afi, buf: Uint8Array, start: number, end: number): Prefix[] | undefined {
  const max = MAX_LENGTH[afi];
  const prefixes: Prefix[] = [];
  let p = start;
  while (p < end) {
    const bits = buf[p]!;
    if (bits > max) return undefined;
    const octets = (bits + 7) >> 3;
    if (p + 1 + octets > end) return undefined;
    prefixes.push(
      afi === 1 ? formatIpv4Prefix(buf, p + 1, bits, octets) : formatIpv6Prefix(buf, p + 1, bits, octets),
    );
    p += 1 + octets;
  }
  return prefixes;
}

/** Prefixes in wire form, back to back; prefix i spans [ends[i - 1] ?? 0, ends[i]). */
export interface EncodedPrefixes {
  bytes: Uint8Array;
  ends: Uint32Array;
}

/** Writes one prefix at `offset` of `out` (room for 17 bytes needed); returns the offset after it. */
export function writePrefix(afi: Afi, prefix: Prefix, out: Uint8Array, offset: number): number {
  const slash = prefix.lastIndexOf('/');
  const bits = slash > 0 ? parsePrefixLength(prefix, slash + 1, MAX_LENGTH[afi]) : -1;
  const ok =
    bits >= 0 &&
    (afi === 1 ? parseIpv4Into(prefix, 0, slash, scratch, 0) : parseIpv6Into(prefix, 0, slash, scratch, 0));
  if (!ok) throw new Error(`"${prefix}" is not an IPv${afi === 1 ? 4 : 6} prefix`);
  const octets = (bits + 7) >> 3;
  out[offset] = bits;
  for (let k = 0; k < octets; k++) out[offset + 1 + k] = scratch[k]!;
  if (octets > 0) out[offset + octets] = maskLast(out[offset + octets]!, bits);
  return offset + 1 + octets;
}

/** The decimal prefix length from `start` to the end of `text` (no leading zeros, at most `max`), or -1. */
export function parsePrefixLength(text: string, start: number, max: number): number {
  if (start >= text.length || text.length - start > 3) return -1;
  let value = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57 || (i > start && value === 0)) return -1;
    value = value * 10 + (c - 48);
  }
  return value <= max ? value : -1;
}

/** Encodes the prefixes once, so a packer can slice them into messages without re-parsing. */
export function encodePrefixes(afi: Afi, prefixes: readonly Prefix[]): EncodedPrefixes {
  const bytes = new Uint8Array(prefixes.length * (afi === 1 ? 5 : 17));
  const ends = new Uint32Array(prefixes.length);
  let offset = 0;
  for (let i = 0; i < prefixes.length; i++) {
    offset = writePrefix(afi, prefixes[i]!, bytes, offset);
    ends[i] = offset;
  }
  return { bytes: bytes.subarray(0, offset), ends };
}
