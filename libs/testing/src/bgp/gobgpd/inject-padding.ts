import {
  listMrtRecords,
  MRT_HEADER_LENGTH,
  MRT_SUBTYPE_RIB_IPV4_UNICAST,
  MRT_SUBTYPE_RIB_IPV6_UNICAST,
  MRT_TYPE_TABLE_DUMP_V2,
} from '../mrt/table-dump-v2';
import type { AddressFamily } from '../route';

// Why `gobgp mrt inject` loses the end of a file, and the workaround.
//
// gobgp 3.10's CLI (cmd/gobgp/mrt.go, injectMrt) sends each RIB record as one message of the
// AddPathStream gRPC client stream and returns as soon as its last Send() has returned, without
// CloseAndRecv(): the process exits, its connection closes, and gobgpd abandons the stream with
// the messages still in flight (in gRPC's buffers and HTTP/2 window, not yet applied). Seen here:
// about 400-450 records lost at the end of a file, whether it held 1,000 or 100,000 routes.
// Upstream fixed it by closing the stream properly (osrg/gobgp pull request #3044, "fix: close the
// stream properly, otherwise the last few paths are dropped", 2025); Debian 12 ships 3.10.
//
// Workaround: append copies of the file's last RIB record. gobgpd applies a stream's messages in
// order, so once any copy has been applied every real record has been too; the copies only re-add
// a path that is already there, which sends nothing to peers. 4,096 copies are about ten times
// what was seen lost.
export const GOBGP_INJECT_PADDING_RECORDS = 4096;

/** The file followed by `copies` copies of its last RIB record, and that record's prefix. */
export function padForGobgpInject(
  file: Uint8Array,
  copies = GOBGP_INJECT_PADDING_RECORDS,
): { padded: Buffer; lastPrefix: string; lastFamily: AddressFamily } {
  const spans = listMrtRecords(file);
  const last = [...spans]
    .reverse()
    .find(
      (span) =>
        span.type === MRT_TYPE_TABLE_DUMP_V2 &&
        (span.subtype === MRT_SUBTYPE_RIB_IPV4_UNICAST || span.subtype === MRT_SUBTYPE_RIB_IPV6_UNICAST),
    );
  if (!last) throw new Error('the MRT file has no RIB_IPV4_UNICAST or RIB_IPV6_UNICAST record');
  const source = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  const record = source.subarray(last.offset, last.offset + last.length);
  const family: AddressFamily = last.subtype === MRT_SUBTYPE_RIB_IPV4_UNICAST ? 'ipv4' : 'ipv6';
  return {
    padded: Buffer.concat([source, ...Array<Buffer>(copies).fill(record)]),
    lastPrefix: ribRecordPrefix(record, family),
    lastFamily: family,
  };
}

/** The prefix of a RIB record (RFC 6396 §4.3.2: sequence number, prefix length, prefix octets). */
function ribRecordPrefix(record: Buffer, family: AddressFamily): string {
  const body = record.subarray(MRT_HEADER_LENGTH);
  const length = body.readUInt8(4);
  const octets = new Uint8Array(family === 'ipv4' ? 4 : 16);
  octets.set(body.subarray(5, 5 + Math.ceil(length / 8)));
  if (family === 'ipv4') return `${octets.join('.')}/${length}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((octets[i] ?? 0) << 8) | (octets[i + 1] ?? 0)).toString(16));
  return `${groups.join(':')}/${length}`;
}
