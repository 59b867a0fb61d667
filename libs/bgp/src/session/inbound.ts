// A received message → the RFC 4271 §8.1.5 event it is. Decode errors become the events that
// make the FSM send the NOTIFICATION the codec prescribes; nothing here throws.
import { BgpDecodeError, CeaseSubcode, decodeMessage, ErrorCode, type CodecContext } from '../codec';
import type { BgpMessage } from '../codec/types';
import { notificationEvent, type FsmEvent } from '../fsm';

/** RFC 4271 §4.1 type names, for message counters. */
export type MessageKind = 'open' | 'update' | 'notification' | 'keepalive' | 'route-refresh' | 'unknown';

const KINDS: Record<number, MessageKind> = {
  1: 'open',
  2: 'update',
  3: 'notification',
  4: 'keepalive',
  5: 'route-refresh',
};

/** The type of a framed message from its header (octet 18). */
export function messageKind(frame: Uint8Array): MessageKind {
  return KINDS[frame[18] ?? 0] ?? 'unknown';
}

export interface Inbound {
  event: FsmEvent;
  /** The decoded message, when it could be decoded. */
  message?: BgpMessage;
}

/** Maps a decode error to the event of its message kind (RFC 4271 §6.1-§6.3, RFC 7313 §5). */
export function decodeErrorEvent(error: BgpDecodeError): FsmEvent {
  const spec = { code: error.code, subcode: error.subcode, data: error.data };
  switch (error.code) {
    case ErrorCode.open:
      return { type: 'BGPOpenMsgErr', error: spec, why: error.message };
    case ErrorCode.update:
      return { type: 'UpdateMsgErr', error: spec, why: error.message };
    case ErrorCode.routeRefresh:
      return { type: 'RouteRefreshMsgErr', error: spec, why: error.message };
    default:
      return { type: 'BGPHeaderErr', error: spec, why: error.message };
  }
}

export function inboundEvent(frame: Uint8Array, ctx: CodecContext): Inbound {
  let decoded;
  try {
    decoded = decodeMessage(frame, ctx);
  } catch (error) {
    if (error instanceof BgpDecodeError) return { event: decodeErrorEvent(error) };
    // A codec bug must not take the process down: end this session, say why.
    return {
      event: {
        type: 'AutomaticStop',
        subcode: CeaseSubcode.outOfResources,
        why: `internal error decoding a ${messageKind(frame)} message: ${(error as Error).message}`,
      },
    };
  }
  const { message, errors } = decoded;
  switch (message.type) {
    case 'open':
      return { event: { type: 'BGPOpen', open: message }, message };
    case 'keepalive':
      return { event: { type: 'KeepAliveMsg' }, message };
    case 'notification':
      return { event: notificationEvent(message), message };
    case 'route-refresh':
      return { event: { type: 'RouteRefreshMsg', afi: message.afi, safi: message.safi }, message };
    case 'update': {
      // RFC 7606 §2 "AFI/SAFI disable": RFC 4760 §7 lets a speaker reset the session instead,
      // which is what this one does (it advertises and does not need the peer's routes).
      const disable = errors.find((e) => e.handling === 'afi-safi-disable');
      if (disable) return { event: decodeErrorEvent(disable), message };
      return { event: { type: 'UpdateMsg', update: message, errors }, message };
    }
  }
}
