import { MessageHeaderSubcode, ErrorCode } from '../error-codes';
import { BgpDecodeError, badMessageLength } from '../errors';
import { decodeOpen, encodeOpen } from '../open/open-message';
import { ByteWriter } from '../wire/byte-writer';
import { MessageType, frameLength } from '../wire/header';
import { decodeUpdate } from '../update/update-decode';
import { encodeUpdate } from '../update/update-encode';
import type { BgpMessage, CodecContext, DecodeResult } from '../types';
import {
  decodeKeepalive,
  decodeNotification,
  decodeRouteRefresh,
  encodeKeepalive,
  encodeNotification,
  encodeRouteRefresh,
} from './simple-messages';

/**
 * Decodes one whole message (RFC 4271 §4). Throws a BgpDecodeError, and nothing else, for an error
 * that resets the session; returns the others in `errors`, with the message corrected for them.
 */
export function decodeMessage(buf: Uint8Array, ctx: CodecContext): DecodeResult {
  const length = frameLength(buf);
  if (length === undefined) throw badMessageLength(buf.length, `${buf.length} bytes, shorter than a header`);
  if (length !== buf.length)
    throw badMessageLength(length, `the header says ${length} bytes, ${buf.length} came`);
  const type = buf[18]!;
  switch (type) {
    case MessageType.open:
      return { message: decodeOpen(buf), errors: [] };
    case MessageType.update:
      return decodeUpdate(buf, ctx);
    case MessageType.notification:
      return { message: decodeNotification(buf), errors: [] };
    case MessageType.keepalive:
      return { message: decodeKeepalive(buf), errors: [] };
    case MessageType.routeRefresh:
      return { message: decodeRouteRefresh(buf), errors: [] };
    default:
      // RFC 4271 §6.1: the data is the bad Type field.
      throw new BgpDecodeError(
        ErrorCode.messageHeader,
        MessageHeaderSubcode.badMessageType,
        `message type ${type}`,
        Uint8Array.of(type),
      );
  }
}

/**
 * Encodes one message (a Buffer). Throws a plain Error for a value that cannot be sent (an
 * unparsable prefix, a message over 4096 bytes): a bug in the caller, not peer input.
 */
export function encodeMessage(msg: BgpMessage, ctx: CodecContext): Uint8Array {
  const out = new ByteWriter();
  switch (msg.type) {
    case 'open':
      encodeOpen(msg, out);
      break;
    case 'update':
      encodeUpdate(msg, ctx, out);
      break;
    case 'notification':
      encodeNotification(msg, out);
      break;
    case 'keepalive':
      encodeKeepalive(out);
      break;
    case 'route-refresh':
      encodeRouteRefresh(msg, out);
      break;
    default:
      throw new Error(`unknown message type ${String((msg as { type: unknown }).type)}`);
  }
  return out.toBuffer();
}
