import { OpenSubcode } from '../error-codes';
import { openError } from '../errors';
import type { AddressFamily, Capability, Negotiated, OpenMessage } from '../types';

type GracefulRestart = Extract<Capability, { kind: 'graceful-restart' }>;

function has(open: OpenMessage, kind: Capability['kind']): boolean {
  return open.capabilities.some((c) => c.kind === kind);
}

/** RFC 6793 §4: the real ASN is the capability's when present, else the 2-octet My AS. */
function realAsn(open: OpenMessage): number {
  for (const c of open.capabilities) if (c.kind === 'four-octet-as') return c.asn;
  return open.myAs;
}

/** RFC 4760 §8: a speaker that sends no multiprotocol capability carries IPv4 unicast only. */
function families(open: OpenMessage): AddressFamily[] {
  const announced: AddressFamily[] = [];
  for (const c of open.capabilities)
    if (c.kind === 'multiprotocol') announced.push({ afi: c.afi, safi: c.safi });
  return announced.length > 0 ? announced : [{ afi: 1, safi: 1 }];
}

/**
 * What two OPEN messages agree on. With `expectedPeerAsn`, a peer whose real ASN differs is a Bad
 * Peer AS (RFC 4271 §6.2), thrown as a BgpDecodeError 2/2.
 */
export function negotiate(local: OpenMessage, remote: OpenMessage, expectedPeerAsn?: number): Negotiated {
  const peerAsn = realAsn(remote);
  if (expectedPeerAsn !== undefined && peerAsn !== expectedPeerAsn) {
    throw openError(OpenSubcode.badPeerAs, `the peer is AS ${peerAsn}, AS ${expectedPeerAsn} was expected`);
  }
  const remoteFamilies = families(remote);
  const common: AddressFamily[] = [];
  for (const f of families(local)) {
    const shared = remoteFamilies.some((r) => r.afi === f.afi && r.safi === f.safi);
    if (shared && !common.some((c) => c.afi === f.afi && c.safi === f.safi)) common.push(f);
  }
  const peerGracefulRestart = remote.capabilities.find(
    (c): c is GracefulRestart => c.kind === 'graceful-restart',
  );
  return {
    fourOctetAs: has(local, 'four-octet-as') && has(remote, 'four-octet-as'),
    families: common,
    routeRefresh: has(local, 'route-refresh') && has(remote, 'route-refresh'),
    ...(peerGracefulRestart ? { peerGracefulRestart } : {}),
    holdTimeSeconds: Math.min(local.holdTimeSeconds, remote.holdTimeSeconds),
    peerAsn,
  };
}
