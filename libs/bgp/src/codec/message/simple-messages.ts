import { badMessageLength } from '../errors';
import type { ByteWriter } from '../wire/byte-writer';
import { HEADER_LENGTH, MessageType, finishMessage, startMessage } from '../wire/header';
import { copyBytes } from '../wire/copy-bytes';
import { readU16 } from '../wire/integers';
import type { KeepaliveMessage, NotificationMessage, RouteRefreshMessage } from '../types';

// The three fixed-layout messages: KEEPALIVE (RFC 4271 §4.4), NOTIFICATION (§4.5) and ROUTE-REFRESH
// (RFC 2918 §3). `buf` is always one whole message whose header was checked.

/** RFC 4271 §4.4: a KEEPALIVE is the header alone. */
export function decodeKeepalive(buf: Uint8Array): KeepaliveMessage {
  if (buf.length !== HEADER_LENGTH) throw badMessageLength(buf.length, `a KEEPALIVE of ${buf.length} bytes`);
  return { type: 'keepalive' };
}

/** RFC 4271 §4.5: error code 1, subcode 1, data up to the end. */
export function decodeNotification(buf: Uint8Array): NotificationMessage {
  if (buf.length < HEADER_LENGTH + 2) {
    throw badMessageLength(buf.length, `a NOTIFICATION of ${buf.length} bytes`);
  }
  return {
    type: 'notification',
    code: buf[HEADER_LENGTH]!,
    subcode: buf[HEADER_LENGTH + 1]!,
    data: copyBytes(buf, HEADER_LENGTH + 2),
  };
}

/**
 * RFC 2918 §3: AFI 2, Reserved 1, SAFI 1. The reserved octet (RFC 7313's subtype) is ignored, as
 * RFC 2918 says; the length is fixed, so any other is a Bad Message Length (RFC 4271 §6.1).
 */
export function decodeRouteRefresh(buf: Uint8Array): RouteRefreshMessage {
  if (buf.length !== HEADER_LENGTH + 4) {
    throw badMessageLength(buf.length, `a ROUTE-REFRESH of ${buf.length} bytes`);
  }
  return { type: 'route-refresh', afi: readU16(buf, HEADER_LENGTH), safi: buf[HEADER_LENGTH + 3]! };
}

function checkUint(value: number, max: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw new Error(`${what} ${value} is out of range`);
  return value;
}

export function encodeKeepalive(out: ByteWriter): void {
  finishMessage(out, startMessage(out, MessageType.keepalive));
}

export function encodeNotification(msg: NotificationMessage, out: ByteWriter): void {
  const start = startMessage(out, MessageType.notification);
  out.u8(checkUint(msg.code, 0xff, 'error code')).u8(checkUint(msg.subcode, 0xff, 'error subcode'));
  out.bytes(msg.data);
  finishMessage(out, start);
}

export function encodeRouteRefresh(msg: RouteRefreshMessage, out: ByteWriter): void {
  const start = startMessage(out, MessageType.routeRefresh);
  out
    .u16(checkUint(msg.afi, 0xffff, 'AFI'))
    .u8(0)
    .u8(checkUint(msg.safi, 0xff, 'SAFI'));
  finishMessage(out, start);
}
