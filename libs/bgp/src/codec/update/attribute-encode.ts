import { parseIpv4Into } from '../address/ipv4-text';
import { ByteWriter } from '../wire/byte-writer';
import type { CodecContext, PathAttributes, UnknownAttribute } from '../types';
import { asPathWireLength, encodeAsPath } from './as-path';
import { as4PathOf, isMappable, needsAs4Path, toTwoOctet } from './as4-path';
import {
  AttributeCode,
  AttributeFlag,
  OPTIONAL_NON_TRANSITIVE,
  OPTIONAL_TRANSITIVE,
  WELL_KNOWN,
} from './attribute-codes';

const ORIGIN_CODES = { igp: 0, egp: 1, incomplete: 2 } as const;
const ipv4 = new Uint8Array(4);

function uint(value: number, max: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw new Error(`${what} ${value} is out of range`);
  return value;
}

function writeAddress(out: ByteWriter, text: string, what: string): void {
  if (!parseIpv4Into(text, 0, text.length, ipv4, 0))
    throw new Error(`${what} "${text}" is not an IPv4 address`);
  out.bytes(ipv4);
}

/** Attribute header: flags (Extended Length set when the value needs it, RFC 4271 §4.3), type, length. */
export function writeAttributeHeader(out: ByteWriter, flags: number, code: number, length: number): void {
  if (length > 0xffff) throw new Error(`attribute ${code} of ${length} bytes`);
  const extended = length > 255;
  out.u8((flags & ~AttributeFlag.extendedLength) | (extended ? AttributeFlag.extendedLength : 0)).u8(code);
  if (extended) out.u16(length);
  else out.u8(length);
}

export function writeAttribute(out: ByteWriter, flags: number, code: number, value: Uint8Array): void {
  writeAttributeHeader(out, flags, code, value.length);
  out.bytes(value);
}

/**
 * Writes the unknown attributes whose type is below `before`, in type order (RFC 4271 §5: ascending
 * order SHOULD be used), so they interleave with the known ones. Returns the next one to write.
 */
function flushUnknown(
  out: ByteWriter,
  unknown: readonly UnknownAttribute[],
  next: number,
  before: number,
): number {
  while (next < unknown.length && unknown[next]!.code < before) {
    const u = unknown[next]!;
    writeAttribute(out, uint(u.flags, 0xff, 'flags'), uint(u.code, 0xff, 'attribute code'), u.value);
    next++;
  }
  if (next < unknown.length && unknown[next]!.code === before)
    throw new Error(`attribute ${before} would be sent twice`);
  return next;
}

/**
 * The path attributes other than MP_REACH_NLRI / MP_UNREACH_NLRI, in ascending type order, unknown
 * ones among them. On a 2-octet session, ASNs above 65535 become AS_TRANS with AS4_PATH /
 * AS4_AGGREGATOR beside (RFC 6793 §4.2.2). Empty COMMUNITIES / CLUSTER_LIST / LARGE_COMMUNITY lists
 * are left out: RFC 7606 §7.8, §7.10 and RFC 8092 §6 make them malformed.
 */
export function encodeAttributeSet(attrs: PathAttributes, ctx: CodecContext): Uint8Array {
  const out = new ByteWriter(1024);
  const unknown = [...(attrs.unknown ?? [])].sort((a, b) => a.code - b.code);
  let u = 0;
  const asnWidth = ctx.fourOctetAs ? 4 : 2;

  u = flushUnknown(out, unknown, u, AttributeCode.origin);
  if (attrs.origin !== undefined) {
    const origin = ORIGIN_CODES[attrs.origin];
    if (origin === undefined) throw new Error(`ORIGIN "${String(attrs.origin)}"`);
    writeAttributeHeader(out, WELL_KNOWN, AttributeCode.origin, 1);
    out.u8(origin);
  }
  u = flushUnknown(out, unknown, u, AttributeCode.asPath);
  const path = attrs.asPath;
  if (path !== undefined) {
    writeAttributeHeader(out, WELL_KNOWN, AttributeCode.asPath, asPathWireLength(path, asnWidth));
    encodeAsPath(path, asnWidth, out, ctx.fourOctetAs ? undefined : toTwoOctet);
  }
  u = flushUnknown(out, unknown, u, AttributeCode.nextHop);
  if (attrs.nextHop !== undefined) {
    writeAttributeHeader(out, WELL_KNOWN, AttributeCode.nextHop, 4);
    writeAddress(out, attrs.nextHop, 'NEXT_HOP');
  }
  u = flushUnknown(out, unknown, u, AttributeCode.multiExitDisc);
  if (attrs.med !== undefined) {
    writeAttributeHeader(out, OPTIONAL_NON_TRANSITIVE, AttributeCode.multiExitDisc, 4);
    out.u32(uint(attrs.med, 0xffffffff, 'MED'));
  }
  u = flushUnknown(out, unknown, u, AttributeCode.localPref);
  if (attrs.localPref !== undefined) {
    writeAttributeHeader(out, WELL_KNOWN, AttributeCode.localPref, 4);
    out.u32(uint(attrs.localPref, 0xffffffff, 'LOCAL_PREF'));
  }
  u = flushUnknown(out, unknown, u, AttributeCode.atomicAggregate);
  if (attrs.atomicAggregate) writeAttributeHeader(out, WELL_KNOWN, AttributeCode.atomicAggregate, 0);
  u = flushUnknown(out, unknown, u, AttributeCode.aggregator);
  const aggregator = attrs.aggregator;
  if (aggregator !== undefined) {
    const asn = uint(aggregator.asn, 0xffffffff, 'aggregator ASN');
    writeAttributeHeader(out, OPTIONAL_TRANSITIVE, AttributeCode.aggregator, asnWidth + 4);
    if (ctx.fourOctetAs) out.u32(asn);
    else out.u16(toTwoOctet(asn));
    writeAddress(out, aggregator.address, 'aggregator address');
  }
  u = flushUnknown(out, unknown, u, AttributeCode.communities);
  if (attrs.communities?.length) {
    writeAttributeHeader(out, OPTIONAL_TRANSITIVE, AttributeCode.communities, attrs.communities.length * 4);
    for (const c of attrs.communities) out.u32(uint(c, 0xffffffff, 'community'));
  }
  u = flushUnknown(out, unknown, u, AttributeCode.originatorId);
  if (attrs.originatorId !== undefined) {
    writeAttributeHeader(out, OPTIONAL_NON_TRANSITIVE, AttributeCode.originatorId, 4);
    writeAddress(out, attrs.originatorId, 'ORIGINATOR_ID');
  }
  u = flushUnknown(out, unknown, u, AttributeCode.clusterList);
  if (attrs.clusterList?.length) {
    writeAttributeHeader(
      out,
      OPTIONAL_NON_TRANSITIVE,
      AttributeCode.clusterList,
      attrs.clusterList.length * 4,
    );
    for (const id of attrs.clusterList) writeAddress(out, id, 'CLUSTER_LIST id');
  }
  // RFC 6793 §4.2.2: only an OLD peer gets AS4_PATH / AS4_AGGREGATOR, and only when needed.
  u = flushUnknown(out, unknown, u, AttributeCode.as4Path);
  if (path !== undefined && !ctx.fourOctetAs && needsAs4Path(path)) {
    const as4Path = as4PathOf(path);
    writeAttributeHeader(out, OPTIONAL_TRANSITIVE, AttributeCode.as4Path, asPathWireLength(as4Path, 4));
    encodeAsPath(as4Path, 4, out);
  }
  u = flushUnknown(out, unknown, u, AttributeCode.as4Aggregator);
  if (aggregator !== undefined && !ctx.fourOctetAs && !isMappable(aggregator.asn)) {
    writeAttributeHeader(out, OPTIONAL_TRANSITIVE, AttributeCode.as4Aggregator, 8);
    out.u32(aggregator.asn);
    writeAddress(out, aggregator.address, 'aggregator address');
  }
  u = flushUnknown(out, unknown, u, AttributeCode.largeCommunity);
  if (attrs.largeCommunities?.length) {
    writeAttributeHeader(
      out,
      OPTIONAL_TRANSITIVE,
      AttributeCode.largeCommunity,
      attrs.largeCommunities.length * 12,
    );
    for (const c of attrs.largeCommunities) {
      if (c.length !== 3) throw new Error('a large community has 3 parts (RFC 8092 §3)');
      for (const part of c) out.u32(uint(part, 0xffffffff, 'large community part'));
    }
  }
  flushUnknown(out, unknown, u, 256);
  return out.toBuffer();
}
