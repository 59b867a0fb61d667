import { formatIpv4, parseIpv4Into } from '../address/ipv4-text';
import { formatIpv6, parseIpv6Into } from '../address/ipv6-text';
import { decodePrefixes, writePrefix } from '../nlri/prefix-wire';
import type { ByteWriter } from '../wire/byte-writer';
import { readU16 } from '../wire/integers';
import type { Afi, MpReach, MpUnreach } from '../types';

// RFC 4760 §3 MP_REACH_NLRI: AFI 2, SAFI 1, next hop length 1, next hop, reserved 1, NLRI.
// RFC 4760 §4 MP_UNREACH_NLRI: AFI 2, SAFI 1, withdrawn routes.

/** The families this codec reads the NLRI of; MP attributes of others are kept as unknown. */
export function supportedFamily(afi: number, safi: number): afi is Afi {
  return (afi === 1 || afi === 2) && safi === 1;
}

/** Next hop lengths per family: IPv4; IPv6 global, or global + link-local (RFC 2545 §3). */
const NEXT_HOP_LENGTHS: Record<Afi, readonly number[]> = { 1: [4], 2: [16, 32] };

export type MpDecoded<T> = { ok: T } | { fault: string };

/** `value` holds at least the 3 octets of AFI and SAFI, of a supported family (caller checked). */
export function decodeMpReach(value: Uint8Array): MpDecoded<MpReach> {
  const afi = readU16(value, 0) as Afi;
  const safi = value[2]!;
  if (value.length < 5) return { fault: 'no room for the next hop length and reserved octet' };
  const nextHopLength = value[3]!;
  if (!NEXT_HOP_LENGTHS[afi].includes(nextHopLength)) {
    return { fault: `next hop length ${nextHopLength} for AFI ${afi}` }; // RFC 7606 §7.11
  }
  if (4 + nextHopLength + 1 > value.length) return { fault: 'the next hop overruns the attribute' };
  const nextHops: string[] = [];
  const width = afi === 1 ? 4 : 16;
  for (let p = 4; p < 4 + nextHopLength; p += width) {
    nextHops.push(afi === 1 ? formatIpv4(value, p) : formatIpv6(value, p));
  }
  // The reserved octet (formerly the SNPA count) is ignored on receipt (RFC 4760 §3).
  const nlri = decodePrefixes(afi, value, 4 + nextHopLength + 1, value.length);
  if (!nlri) return { fault: 'the NLRI field is malformed' }; // RFC 7606 §5.3
  return { ok: { afi, safi, nextHops, nlri } };
}

/** `value` holds at least AFI and SAFI, of a supported family (caller checked). */
export function decodeMpUnreach(value: Uint8Array): MpDecoded<MpUnreach> {
  const afi = readU16(value, 0) as Afi;
  const withdrawn = decodePrefixes(afi, value, 3, value.length);
  if (!withdrawn) return { fault: 'the withdrawn routes field is malformed' }; // RFC 7606 §5.3
  return { ok: { afi, safi: value[2]!, withdrawn } };
}

function familyOf(afi: number, safi: number): Afi {
  if (!supportedFamily(afi, safi))
    throw new Error(`AFI ${afi} SAFI ${safi} is not a family this codec encodes`);
  return afi;
}

/** The MP_REACH_NLRI value up to (and including) the reserved octet: what precedes the NLRI. */
export function encodeMpReachHead(
  afi: number,
  safi: number,
  nextHops: readonly string[],
  out: ByteWriter,
): void {
  const family = familyOf(afi, safi);
  const width = family === 1 ? 4 : 16;
  if (nextHops.length < 1 || nextHops.length * width > Math.max(...NEXT_HOP_LENGTHS[family])) {
    throw new Error(`${nextHops.length} next hops for AFI ${afi}`);
  }
  out
    .u16(afi)
    .u8(safi)
    .u8(nextHops.length * width);
  const address = new Uint8Array(width);
  for (const nextHop of nextHops) {
    const ok =
      family === 1
        ? parseIpv4Into(nextHop, 0, nextHop.length, address, 0)
        : parseIpv6Into(nextHop, 0, nextHop.length, address, 0);
    if (!ok) throw new Error(`next hop "${nextHop}" is not an IPv${family === 1 ? 4 : 6} address`);
    out.bytes(address);
  }
  out.u8(0);
}

/** Writes prefixes of the family in wire form (RFC 4271 §4.3 / RFC 4760 §5). */
export function encodePrefixList(afi: Afi, prefixes: readonly string[], out: ByteWriter): void {
  const one = new Uint8Array(17);
  for (const prefix of prefixes) out.bytes(one, 0, writePrefix(afi, prefix, one, 0));
}

export function encodeMpReach(mp: MpReach, out: ByteWriter): void {
  encodeMpReachHead(mp.afi, mp.safi, mp.nextHops, out);
  encodePrefixList(familyOf(mp.afi, mp.safi), mp.nlri, out);
}

export function encodeMpUnreach(mp: MpUnreach, out: ByteWriter): void {
  const family = familyOf(mp.afi, mp.safi);
  out.u16(mp.afi).u8(mp.safi);
  encodePrefixList(family, mp.withdrawn, out);
}
