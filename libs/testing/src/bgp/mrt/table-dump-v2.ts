import { isIPv4 } from 'node:net';
import { encodePrefix, ipv4Octets, ipv6Octets } from './prefix';

// MRT TABLE_DUMP_V2 (RFC 6396 §4.3): a PEER_INDEX_TABLE record naming the peers the routes were
// learned from, then one RIB record per prefix whose entries each point at a peer by index and
// carry that path's BGP attributes as they were on the wire.

/** RFC 6396 §4: MRT type 13. */
export const MRT_TYPE_TABLE_DUMP_V2 = 13;
/** RFC 6396 §4.3 subtypes. */
export const MRT_SUBTYPE_PEER_INDEX_TABLE = 1;
export const MRT_SUBTYPE_RIB_IPV4_UNICAST = 2;
export const MRT_SUBTYPE_RIB_IPV6_UNICAST = 4;
/** RFC 6396 §2: Timestamp (4), Type (2), Subtype (2), Length (4). */
export const MRT_HEADER_LENGTH = 12;

/** A BGP speaker the dumped routes were learned from (one PEER_INDEX_TABLE entry). */
export interface MrtPeer {
  bgpId: string;
  /** IPv4 or IPv6 address. */
  address: string;
  asn: number;
}

/** One path to one prefix. */
export interface MrtRoute {
  /** "10.0.0.0/26", "2001:db8:1::/48". */
  prefix: string;
  /**
   * The path attributes, encoded exactly as in an UPDATE's Path Attributes field (RFC 4271 §4.3)
   * with 4-octet AS numbers in AS_PATH (RFC 6396 §4.3.4). For IPv6, MP_REACH_NLRI must be in the
   * full RFC 4760 §3 form (AFI, SAFI, next hop, reserved octet, NLRI possibly empty): gobgp 3.10
   * reads it so and rejects RFC 6396 §4.3.4's abbreviated form (next hop length and next hop only)
   * with "unknown route family" (tried here).
   */
  attributes: Uint8Array;
  /** Index into the peer table; default 0. */
  peerIndex?: number;
  /** Seconds since the epoch when the route was learned; default the dump's timestamp. */
  originatedTime?: number;
}

export interface TableDumpOptions {
  /** The peers the routes' peerIndex refer to; default DEFAULT_MRT_PEER. */
  peers?: MrtPeer[];
  /** Collector BGP identifier; default 0.0.0.0. */
  collectorBgpId?: string;
  viewName?: string;
  /** Seconds since the epoch for every record header; default now. */
  timestamp?: number;
}

/**
 * The peer entry for locally originated routes: 0.0.0.0, AS 0, as gobgp writes its own routes in
 * its table dumps. gobgp's `mrt inject` makes the entry's AS and BGP ID the path's source; with
 * AS 0 the paths are gobgpd's own, which `gobgp global rib del` can withdraw. Paths injected from
 * any other peer entry cannot be deleted through the CLI (it always names the local source).
 */
export const DEFAULT_MRT_PEER: MrtPeer = { bgpId: '0.0.0.0', address: '0.0.0.0', asn: 0 };

/**
 * An MRT TABLE_DUMP_V2 file: PEER_INDEX_TABLE, then RIB_IPV4_UNICAST / RIB_IPV6_UNICAST records
 * in the order the prefixes first appear in `routes`; several routes to one prefix become the
 * entries of one record.
 */
export function encodeTableDumpV2(routes: readonly MrtRoute[], options: TableDumpOptions = {}): Buffer {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const peers = options.peers ?? [DEFAULT_MRT_PEER];
  const records: Buffer[] = [
    mrtRecord(timestamp, MRT_SUBTYPE_PEER_INDEX_TABLE, peerIndexTable(peers, options)),
  ];
  const byPrefix = new Map<string, MrtRoute[]>();
  for (const route of routes) {
    const peerIndex = route.peerIndex ?? 0;
    if (peerIndex >= peers.length)
      throw new Error(`route ${route.prefix} names peer ${peerIndex}, the table has ${peers.length}`);
    const entries = byPrefix.get(route.prefix);
    if (entries) entries.push(route);
    else byPrefix.set(route.prefix, [route]);
  }
  let sequence = 0;
  for (const [prefix, entries] of byPrefix) {
    const encoded = encodePrefix(prefix);
    const subtype = encoded.family === 'ipv4' ? MRT_SUBTYPE_RIB_IPV4_UNICAST : MRT_SUBTYPE_RIB_IPV6_UNICAST;
    records.push(
      mrtRecord(timestamp, subtype, ribRecord(sequence, encoded.length, encoded.octets, entries, timestamp)),
    );
    // RFC 6396 §4.3.2: incremented for each RIB record, wrapping back to zero.
    sequence = (sequence + 1) >>> 0;
  }
  return Buffer.concat(records);
}

/** RFC 6396 §2 common header followed by the message. */
function mrtRecord(timestamp: number, subtype: number, message: Buffer): Buffer {
  const header = Buffer.alloc(MRT_HEADER_LENGTH);
  header.writeUInt32BE(timestamp >>> 0, 0);
  header.writeUInt16BE(MRT_TYPE_TABLE_DUMP_V2, 4);
  header.writeUInt16BE(subtype, 6);
  header.writeUInt32BE(message.length, 8);
  return Buffer.concat([header, message]);
}

/** RFC 6396 §4.3.1. */
function peerIndexTable(peers: readonly MrtPeer[], options: TableDumpOptions): Buffer {
  const viewName = Buffer.from(options.viewName ?? '', 'utf8');
  const head = Buffer.alloc(4 + 2);
  Buffer.from(ipv4Octets(options.collectorBgpId ?? '0.0.0.0')).copy(head, 0);
  head.writeUInt16BE(viewName.length, 4);
  const count = Buffer.alloc(2);
  count.writeUInt16BE(peers.length, 0);
  const entries = peers.map((peer) => {
    const ipv4 = isIPv4(peer.address);
    // Peer Type: bit 0 (0x01) set for an IPv6 address, bit 1 (0x02) for a 4-octet AS number.
    // Always 4-octet AS: a 2-octet field cannot hold every ASN (RFC 6793).
    const type = Buffer.from([(ipv4 ? 0 : 0x01) | 0x02]);
    const bgpId = Buffer.from(ipv4Octets(peer.bgpId));
    const address = Buffer.from(ipv4 ? ipv4Octets(peer.address) : ipv6Octets(peer.address));
    const asn = Buffer.alloc(4);
    asn.writeUInt32BE(peer.asn >>> 0, 0);
    return Buffer.concat([type, bgpId, address, asn]);
  });
  return Buffer.concat([head, viewName, count, ...entries]);
}

/** RFC 6396 §4.3.2 RIB record with its §4.3.4 RIB entries. */
function ribRecord(
  sequence: number,
  prefixLength: number,
  prefixOctets: Uint8Array,
  routes: readonly MrtRoute[],
  timestamp: number,
): Buffer {
  const head = Buffer.alloc(4 + 1);
  head.writeUInt32BE(sequence, 0);
  head.writeUInt8(prefixLength, 4);
  const count = Buffer.alloc(2);
  count.writeUInt16BE(routes.length, 0);
  const entries = routes.map((route) => {
    if (route.attributes.length > 0xffff)
      throw new Error(`attributes of ${route.prefix} exceed 65535 octets`);
    const entry = Buffer.alloc(2 + 4 + 2);
    entry.writeUInt16BE(route.peerIndex ?? 0, 0);
    entry.writeUInt32BE((route.originatedTime ?? timestamp) >>> 0, 2);
    entry.writeUInt16BE(route.attributes.length, 6);
    return Buffer.concat([entry, route.attributes]);
  });
  return Buffer.concat([head, prefixOctets, count, ...entries]);
}

/** One record of an MRT file: its header fields and where it sits in the file. */
export interface MrtRecordSpan {
  type: number;
  subtype: number;
  offset: number;
  /** Header included. */
  length: number;
}

/** The records of an MRT file, by their RFC 6396 §2 headers; throws on a truncated file. */
export function listMrtRecords(file: Uint8Array): MrtRecordSpan[] {
  const view = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  const spans: MrtRecordSpan[] = [];
  let offset = 0;
  while (offset < view.length) {
    if (offset + MRT_HEADER_LENGTH > view.length)
      throw new Error(`MRT file truncated in the header at ${offset}`);
    const length = MRT_HEADER_LENGTH + view.readUInt32BE(offset + 8);
    if (offset + length > view.length) throw new Error(`MRT file truncated in the record at ${offset}`);
    spans.push({
      type: view.readUInt16BE(offset + 4),
      subtype: view.readUInt16BE(offset + 6),
      offset,
      length,
    });
    offset += length;
  }
  return spans;
}
