// RFC 4271 §6.2: checks of a received OPEN that need this peer's configuration. The codec has
// already checked the message's syntax; what is left is whether it is acceptable to us.
import { ErrorCode, OpenSubcode } from '../codec/error-codes';
import type { OpenMessage } from '../codec/types';
import type { FsmConfig } from './config';
import type { OpenAccepted } from './data';
import type { NotificationSpec } from './states';

export type OpenCheck =
  { ok: true; accepted: OpenAccepted } | { ok: false; error: NotificationSpec; why: string };

const BGP_VERSION = 4;

function openError(subcode: number, why: string, data: Uint8Array = new Uint8Array(0)): OpenCheck {
  return { ok: false, error: { code: ErrorCode.open, subcode, data }, why };
}

/** Dotted quad as an unsigned 32-bit number; undefined when it is not one. */
export function bgpIdentifierValue(id: string): number | undefined {
  const parts = id.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

export function checkOpen(config: FsmConfig, open: OpenMessage): OpenCheck {
  // §6.2: the data of Unsupported Version Number is the largest version we support (2 octets).
  if (open.version !== BGP_VERSION) {
    return openError(
      OpenSubcode.unsupportedVersionNumber,
      `version ${open.version}; only BGP-4 is supported`,
      new Uint8Array([0, BGP_VERSION]),
    );
  }

  // RFC 6793 §4.1: the real ASN of a four-octet-capable peer is in its capability, My AS then
  // holds AS_TRANS; a peer without the capability is identified by My AS alone.
  const fourOctet = open.capabilities.find((c) => c.kind === 'four-octet-as');
  const peerAsn = fourOctet ? fourOctet.asn : open.myAs;
  if (peerAsn !== config.peerAsn) {
    return openError(OpenSubcode.badPeerAs, `peer says AS ${peerAsn}, configured AS ${config.peerAsn}`);
  }

  // RFC 6286 §2.2: the identifier is a non-zero 32-bit number, and an internal peer must not use
  // ours.
  const peerId = bgpIdentifierValue(open.bgpIdentifier);
  if (peerId === undefined || peerId === 0) {
    return openError(OpenSubcode.badBgpIdentifier, `BGP identifier ${open.bgpIdentifier} is not valid`);
  }
  if (config.peerBgpIdentifier !== undefined && peerId !== bgpIdentifierValue(config.peerBgpIdentifier)) {
    return openError(
      OpenSubcode.badBgpIdentifier,
      `BGP identifier ${open.bgpIdentifier}, configured ${config.peerBgpIdentifier}`,
    );
  }
  if (peerAsn === config.localAsn && peerId === bgpIdentifierValue(config.bgpIdentifier)) {
    return openError(
      OpenSubcode.badBgpIdentifier,
      `internal peer uses our BGP identifier ${open.bgpIdentifier}`,
    );
  }

  // §6.2: "An implementation MUST reject Hold Time values of one or two seconds."
  if (open.holdTimeSeconds === 1 || open.holdTimeSeconds === 2) {
    return openError(
      OpenSubcode.unacceptableHoldTime,
      `hold time ${open.holdTimeSeconds} s is refused (RFC 4271 §6.2)`,
    );
  }

  // §4.2: the smaller of both; §4.4 / §10: keepalives at one third of it, never more than one a second.
  const holdTimeSeconds = Math.min(config.holdTimeSeconds, open.holdTimeSeconds);
  const keepaliveSeconds = holdTimeSeconds === 0 ? 0 : Math.max(1, Math.floor(holdTimeSeconds / 3));
  return {
    ok: true,
    accepted: { holdTimeSeconds, keepaliveSeconds, peerAsn, peerBgpIdentifier: open.bgpIdentifier },
  };
}
