import { AS_TRANS, type AsPathSegment } from '../types';
import { asPathLength } from './as-path';

// RFC 6793 §4.2: on a session where one side is an OLD (2-octet) speaker, ASNs above 65535 travel as
// AS_TRANS in AS_PATH / AGGREGATOR and in full in AS4_PATH / AS4_AGGREGATOR.

export function isMappable(asn: number): boolean {
  return asn <= 0xffff;
}

export function toTwoOctet(asn: number): number {
  return isMappable(asn) ? asn : AS_TRANS;
}

/** RFC 6793 §4.2.2: AS4_PATH is needed only when some ASN does not fit in 2 octets. */
export function needsAs4Path(segments: readonly AsPathSegment[]): boolean {
  return segments.some((s) => s.asns.some((asn) => !isMappable(asn)));
}

/** RFC 6793 §3: AS4_PATH carries no confederation segments. */
export function as4PathOf(segments: readonly AsPathSegment[]): AsPathSegment[] {
  return segments.filter((s) => s.kind === 'sequence' || s.kind === 'set');
}

function isConfed(s: AsPathSegment): boolean {
  return s.kind === 'confed-sequence' || s.kind === 'confed-set';
}

/**
 * RFC 6793 §4.2.3: the path is the leading part of AS_PATH (as many ASNs as AS_PATH has more than
 * AS4_PATH, with the confederation segments at or next to that part) followed by AS4_PATH. When
 * AS_PATH is the shorter, AS4_PATH is ignored.
 */
export function mergeAs4Path(
  asPath: readonly AsPathSegment[],
  as4Path: readonly AsPathSegment[],
): AsPathSegment[] {
  let take = asPathLength(asPath) - asPathLength(as4Path);
  if (take < 0) return asPath.map((s) => ({ kind: s.kind, asns: [...s.asns] }));
  const merged: AsPathSegment[] = [];
  // A confederation segment is prepended when it leads the path or follows a prepended segment.
  let previousPrepended = true;
  for (const segment of asPath) {
    if (isConfed(segment)) {
      if (!previousPrepended) break;
      merged.push({ kind: segment.kind, asns: [...segment.asns] });
      continue;
    }
    if (take === 0) break;
    if (segment.kind === 'set') {
      merged.push({ kind: 'set', asns: [...segment.asns] });
      take -= 1;
    } else {
      const asns = segment.asns.slice(0, take);
      merged.push({ kind: 'sequence', asns });
      take -= asns.length;
      previousPrepended = asns.length === segment.asns.length;
    }
  }
  for (const segment of as4Path) {
    const last = merged[merged.length - 1];
    if (
      last?.kind === 'sequence' &&
      segment.kind === 'sequence' &&
      last.asns.length + segment.asns.length <= 255
    ) {
      last.asns.push(...segment.asns);
    } else {
      merged.push({ kind: segment.kind, asns: [...segment.asns] });
    }
  }
  return merged;
}
