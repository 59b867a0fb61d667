import { BgpDecodeError } from '../errors';
import { decodeMessage } from '../message/message';
import type { CodecContext } from '../types';

/** The BgpDecodeError decoding `bytes` throws; fails if it decodes, or throws anything else. */
export function sessionResetError(
  bytes: Uint8Array,
  ctx: CodecContext = { fourOctetAs: true },
): BgpDecodeError {
  try {
    decodeMessage(bytes, ctx);
  } catch (e) {
    if (e instanceof BgpDecodeError) return e;
    throw new Error(`decoding threw ${String(e)}, not a BgpDecodeError`, { cause: e });
  }
  throw new Error('the message decoded; a session-reset error was expected');
}

/** code/subcode and handling of an error, to compare in one expectation. */
export function summary(e: BgpDecodeError): {
  code: number;
  subcode: number;
  handling: string;
  data: string;
} {
  return {
    code: e.code,
    subcode: e.subcode,
    handling: e.handling,
    data: Buffer.from(e.data).toString('hex'),
  };
}
