import { encodePrefixes, type EncodedPrefixes } from '../nlri/prefix-wire';
import { ByteWriter } from '../wire/byte-writer';
import { HEADER_LENGTH, MAX_MESSAGE_LENGTH, MessageType } from '../wire/header';
import { AttributeCode, AttributeFlag, OPTIONAL_NON_TRANSITIVE } from '../update/attribute-codes';
import { encodeAttributeSet } from '../update/attribute-encode';
import { encodeMpReachHead } from '../update/mp-attributes';
import { encodeMessage } from '../message/message';
import type { Afi, CodecContext, Prefix, RouteAttributes } from '../types';

// Packing a table into as few UPDATEs as possible: routes that share attributes share messages
// (the attribute set is encoded once per group), each filled with as many prefixes as fit.

/** Withdrawn Routes Length + Total Path Attribute Length. */
const UPDATE_FIXED = HEADER_LENGTH + 4;
/** An MP attribute always written with the 2-octet length, so its size is known before filling it. */
const MP_ATTRIBUTE_HEADER = 4;
const MP_FLAGS = OPTIONAL_NON_TRANSITIVE | AttributeFlag.extendedLength;

function checkSize(maxMessageSize: number): void {
  if (
    !Number.isInteger(maxMessageSize) ||
    maxMessageSize < UPDATE_FIXED ||
    maxMessageSize > MAX_MESSAGE_LENGTH
  ) {
    throw new Error(
      `a message size of ${maxMessageSize}; ${UPDATE_FIXED}..${MAX_MESSAGE_LENGTH} is possible`,
    );
  }
}

/**
 * Splits the prefixes into runs of at most `capacity` bytes, in order; calls `emit` with the byte
 * range of each. Greedy filling in order is optimal up to one prefix per message.
 */
function forEachRun(
  encoded: EncodedPrefixes,
  capacity: number,
  emit: (start: number, end: number) => void,
): void {
  const { ends } = encoded;
  let runStart = 0;
  for (let i = 0; i < ends.length; i++) {
    const prefixStart = i === 0 ? 0 : ends[i - 1]!;
    if (ends[i]! - prefixStart > capacity) throw new Error(`no room for a prefix in ${capacity} bytes`);
    if (ends[i]! - runStart > capacity) {
      emit(runStart, prefixStart);
      runStart = prefixStart;
    }
  }
  if (ends.length > 0) emit(runStart, ends[ends.length - 1]!);
}

function header(buf: Buffer, length: number): void {
  buf.fill(0xff, 0, 16);
  buf.writeUInt16BE(length, 16);
  buf[18] = MessageType.update;
}

/**
 * UPDATEs announcing `nlri` with `attributes`: IPv4 in the NLRI field with `attributes.nextHop`;
 * IPv6 in MP_REACH_NLRI with `attributes.mpNextHops` (global, then optionally link-local).
 */
export function packAnnouncements(
  afi: Afi,
  attributes: RouteAttributes,
  nlri: readonly Prefix[],
  ctx: CodecContext,
  maxMessageSize = MAX_MESSAGE_LENGTH,
): Uint8Array[] {
  checkSize(maxMessageSize);
  if (nlri.length === 0) return [];
  const { mpNextHops, ...pathAttributes } = attributes;
  const messages: Uint8Array[] = [];
  if (afi === 1) {
    if (pathAttributes.nextHop === undefined) throw new Error('IPv4 routes need attributes.nextHop');
    const set = encodeAttributeSet(pathAttributes, ctx);
    const encoded = encodePrefixes(1, nlri);
    const fixed = UPDATE_FIXED + set.length;
    forEachRun(encoded, maxMessageSize - fixed, (start, end) => {
      const buf = Buffer.allocUnsafe(fixed + end - start);
      header(buf, buf.length);
      buf.writeUInt16BE(0, HEADER_LENGTH);
      buf.writeUInt16BE(set.length, HEADER_LENGTH + 2);
      buf.set(set, UPDATE_FIXED);
      buf.set(encoded.bytes.subarray(start, end), fixed);
      messages.push(buf);
    });
    return messages;
  }
  if (!mpNextHops?.length) throw new Error('IPv6 routes need attributes.mpNextHops');
  // RFC 4760 §3: the next hop travels in MP_REACH_NLRI; a NEXT_HOP attribute would be ignored.
  const set = encodeAttributeSet({ ...pathAttributes, nextHop: undefined }, ctx);
  const head = new ByteWriter(64);
  encodeMpReachHead(2, 1, mpNextHops, head);
  const mpHead = head.toBuffer();
  const encoded = encodePrefixes(2, nlri);
  const fixed = UPDATE_FIXED + MP_ATTRIBUTE_HEADER + mpHead.length + set.length;
  forEachRun(encoded, maxMessageSize - fixed, (start, end) => {
    const buf = Buffer.allocUnsafe(fixed + end - start);
    let p = mpUpdate(buf, AttributeCode.mpReachNlri, mpHead.length + end - start);
    buf.set(mpHead, p);
    p += mpHead.length;
    buf.set(encoded.bytes.subarray(start, end), p);
    p += end - start;
    buf.set(set, p);
    messages.push(buf);
  });
  return messages;
}

/** UPDATEs withdrawing `prefixes`: IPv4 in the withdrawn routes field, IPv6 in MP_UNREACH_NLRI. */
export function packWithdrawals(
  afi: Afi,
  prefixes: readonly Prefix[],
  _ctx: CodecContext,
  maxMessageSize = MAX_MESSAGE_LENGTH,
): Uint8Array[] {
  checkSize(maxMessageSize);
  const messages: Uint8Array[] = [];
  if (prefixes.length === 0) return messages;
  const encoded = encodePrefixes(afi, prefixes);
  if (afi === 1) {
    forEachRun(encoded, maxMessageSize - UPDATE_FIXED, (start, end) => {
      const buf = Buffer.allocUnsafe(UPDATE_FIXED + end - start);
      header(buf, buf.length);
      buf.writeUInt16BE(end - start, HEADER_LENGTH);
      buf.set(encoded.bytes.subarray(start, end), HEADER_LENGTH + 2);
      buf.writeUInt16BE(0, HEADER_LENGTH + 2 + end - start);
      messages.push(buf);
    });
    return messages;
  }
  const fixed = UPDATE_FIXED + MP_ATTRIBUTE_HEADER + 3; // AFI 2 + SAFI 1
  forEachRun(encoded, maxMessageSize - fixed, (start, end) => {
    const buf = Buffer.allocUnsafe(fixed + end - start);
    const p = mpUpdate(buf, AttributeCode.mpUnreachNlri, 3 + end - start);
    buf.writeUInt16BE(2, p);
    buf[p + 2] = 1;
    buf.set(encoded.bytes.subarray(start, end), fixed);
    messages.push(buf);
  });
  return messages;
}

/** RFC 4724 §2: an UPDATE with nothing in it (IPv4), or with an empty MP_UNREACH_NLRI (IPv6). */
export function endOfRib(afi: Afi, ctx: CodecContext): Uint8Array {
  return encodeMessage(
    {
      type: 'update',
      withdrawn: [],
      nlri: [],
      attributes: afi === 1 ? {} : { mpUnreach: { afi, safi: 1, withdrawn: [] } },
    },
    ctx,
  );
}

/**
 * Writes the start of an UPDATE (all of `buf`) whose first path attribute is an MP_REACH_NLRI or
 * MP_UNREACH_NLRI (RFC 4760 §3, §4) with a value of `valueLength` octets: the header, no withdrawn
 * routes, the path attribute length, and the attribute's flags, type and length. Returns where
 * the attribute's value starts.
 */
function mpUpdate(buf: Buffer, code: number, valueLength: number): number {
  header(buf, buf.length);
  buf.writeUInt16BE(0, HEADER_LENGTH);
  buf.writeUInt16BE(buf.length - UPDATE_FIXED, HEADER_LENGTH + 2);
  const p = HEADER_LENGTH + 4;
  buf[p] = MP_FLAGS;
  buf[p + 1] = code;
  buf.writeUInt16BE(valueLength, p + 2);
  return p + MP_ATTRIBUTE_HEADER;
}
