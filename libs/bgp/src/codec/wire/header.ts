import { ErrorCode, MessageHeaderSubcode } from '../error-codes';
import { BgpDecodeError, badMessageLength } from '../errors';
import { readU16 } from './integers';
import type { ByteWriter } from './byte-writer';

/** RFC 4271 §4.1: 16-octet marker, 2-octet length, 1-octet type. */
export const HEADER_LENGTH = 19;
/** RFC 4271 §4.1: no message is longer (there is no RFC 8654 extended message support). */
export const MAX_MESSAGE_LENGTH = 4096;

/** RFC 4271 §4.1 message types, and RFC 2918 §3 ROUTE-REFRESH. */
export const MessageType = {
  open: 1,
  update: 2,
  notification: 3,
  keepalive: 4,
  routeRefresh: 5,
} as const;

/**
 * RFC 4271 §4.1 header check on a byte stream: undefined while fewer than 19 bytes are there,
 * otherwise the total length of the message that starts at `offset`. A bad marker is 1/1
 * (Connection Not Synchronized) and a length outside 19..4096 is 1/2 (§6.1).
 */
export function frameLength(buf: Uint8Array, offset = 0): number | undefined {
  if (buf.length - offset < HEADER_LENGTH) return undefined;
  for (let i = 0; i < 16; i++) {
    if (buf[offset + i] !== 0xff) {
      throw new BgpDecodeError(
        ErrorCode.messageHeader,
        MessageHeaderSubcode.connectionNotSynchronized,
        'the marker is not all ones',
      );
    }
  }
  const length = readU16(buf, offset + 16);
  if (length < HEADER_LENGTH || length > MAX_MESSAGE_LENGTH) {
    throw badMessageLength(length, `length ${length} is outside ${HEADER_LENGTH}..${MAX_MESSAGE_LENGTH}`);
  }
  return length;
}

/** Writes a header whose length is patched by finishMessage. Returns where the message starts. */
export function startMessage(out: ByteWriter, type: number): number {
  const start = out.length;
  for (let i = 0; i < 16; i++) out.u8(0xff);
  out.u16(0).u8(type);
  return start;
}

/** Patches the length of the message begun at `start`; refuses one over 4096 bytes (a caller bug). */
export function finishMessage(out: ByteWriter, start: number): void {
  const length = out.length - start;
  if (length > MAX_MESSAGE_LENGTH) {
    throw new Error(`the message would be ${length} bytes; BGP allows ${MAX_MESSAGE_LENGTH} (RFC 4271 §4.1)`);
  }
  out.patchU16(start + 16, length);
}
