// A diff → the UPDATE messages that carry it, as few as the 4096-octet limit allows (RFC 4271
// §4.3): the codec packs the NLRI of one attribute set behind a single encoding of its attributes.
import { packAnnouncements, packWithdrawals } from '../codec';
import type { CodecContext } from '../codec/types';
import type { RouteDiff } from './diff';
import { routeAttributes, type PeerRouting } from './path-attributes';

export const MAX_MESSAGE_SIZE = 4096;

/**
 * The UPDATEs, generated one attribute set at a time as the consumer reads them: the session
 * writes the first ones while the rest are still to be encoded.
 */
export function* planUpdates(diff: RouteDiff, peer: PeerRouting, ctx: CodecContext): Generator<Uint8Array> {
  // Withdrawals first: a peer never holds a route we no longer want longer than it must.
  for (const afi of [1, 2] as const) {
    if (diff.withdraw[afi].length > 0) yield* packWithdrawals(afi, diff.withdraw[afi], ctx, MAX_MESSAGE_SIZE);
  }
  for (const [set, prefixes] of diff.announce) {
    yield* packAnnouncements(set.afi, routeAttributes(set, peer), prefixes, ctx, MAX_MESSAGE_SIZE);
  }
}
