import type { ByteWriter } from '../wire/byte-writer';
import { readU16, readU32 } from '../wire/integers';
import type { AsPathSegment } from '../types';

// RFC 4271 §4.3 AS_PATH: segments of (type 1, count 1, count ASNs of 2 or 4 octets each, RFC 6793).

const KIND_BY_TYPE: Record<number, AsPathSegment['kind']> = {
  1: 'set',
  2: 'sequence',
  3: 'confed-sequence', // RFC 5065 §3
  4: 'confed-set',
};
const TYPE_BY_KIND: Record<AsPathSegment['kind'], number> = {
  set: 1,
  sequence: 2,
  'confed-sequence': 3,
  'confed-set': 4,
};

/** An RFC 7606 §7.2 malformation, or undefined for a well-formed path. */
export type AsPathFault = string;

/**
 * The segments of `buf[start, end)`, or why they are malformed (RFC 7606 §7.2: unknown segment
 * type, zero segment length, a segment overrunning the attribute; RFC 7607 §2: AS 0).
 */
export function decodeAsPath(
  buf: Uint8Array,
  start: number,
  end: number,
  asnWidth: 2 | 4,
): AsPathSegment[] | AsPathFault {
  const segments: AsPathSegment[] = [];
  let p = start;
  while (p < end) {
    if (end - p < 2) return 'a segment header is truncated';
    const kind = KIND_BY_TYPE[buf[p]!];
    const count = buf[p + 1]!;
    if (!kind) return `segment type ${buf[p]}`;
    if (count === 0) return 'a segment of length 0';
    p += 2;
    if (p + count * asnWidth > end) return 'a segment overruns the attribute';
    const asns = new Array<number>(count);
    for (let i = 0; i < count; i++, p += asnWidth) {
      const asn = asnWidth === 4 ? readU32(buf, p) : readU16(buf, p);
      if (asn === 0) return 'AS 0 in the path';
      asns[i] = asn;
    }
    segments.push({ kind, asns });
  }
  return segments;
}

/**
 * Writes the segments with ASNs of `asnWidth` octets; `mapAsn` replaces the ones that do not fit
 * (RFC 6793 §4.2.2: AS_TRANS). A sequence longer than 255 is split in several; a longer set cannot be.
 */
export function encodeAsPath(
  segments: readonly AsPathSegment[],
  asnWidth: 2 | 4,
  out: ByteWriter,
  mapAsn: (asn: number) => number = (asn) => asn,
): void {
  for (const segment of segments) {
    const type = TYPE_BY_KIND[segment.kind];
    if (type === undefined) throw new Error(`AS path segment kind "${String(segment.kind)}"`);
    const { asns } = segment;
    if (asns.length === 0) throw new Error('an AS path segment with no ASN (RFC 7606 §7.2 would reject it)');
    if (asns.length > 255 && (type === 1 || type === 4)) throw new Error('an AS_SET of more than 255 ASNs');
    for (let from = 0; from < asns.length; from += 255) {
      const chunk = asns.slice(from, from + 255);
      out.u8(type).u8(chunk.length);
      for (const asn of chunk) {
        if (!Number.isInteger(asn) || asn <= 0 || asn > 0xffffffff)
          throw new Error(`ASN ${asn} is out of range`);
        const wire = mapAsn(asn);
        if (asnWidth === 4) out.u32(wire);
        else out.u16(wire);
      }
    }
  }
}

/** The size encodeAsPath will write. */
export function asPathWireLength(segments: readonly AsPathSegment[], asnWidth: 2 | 4): number {
  let n = 0;
  for (const s of segments) n += 2 * Math.max(1, Math.ceil(s.asns.length / 255)) + s.asns.length * asnWidth;
  return n;
}

/** RFC 4271 §9.1.2.2 a / RFC 6793 §4.2.3 path length: a set counts 1, confederation segments 0. */
export function asPathLength(segments: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of segments) {
    if (s.kind === 'sequence') n += s.asns.length;
    else if (s.kind === 'set') n += 1;
  }
  return n;
}
