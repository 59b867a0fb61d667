import { ErrorCode, MessageHeaderSubcode } from './error-codes';
import type { ErrorHandling } from './types';

const CODE_NAMES: Record<number, string> = {
  [ErrorCode.messageHeader]: 'Message Header Error',
  [ErrorCode.open]: 'OPEN Message Error',
  [ErrorCode.update]: 'UPDATE Message Error',
  [ErrorCode.holdTimerExpired]: 'Hold Timer Expired',
  [ErrorCode.finiteStateMachine]: 'Finite State Machine Error',
  [ErrorCode.cease]: 'Cease',
  [ErrorCode.routeRefresh]: 'ROUTE-REFRESH Message Error',
};

/**
 * A message that breaks RFC 4271 §6: carries the NOTIFICATION (code, subcode, data) to send, and
 * how RFC 7606 §2 says to handle it. Only `session-reset` errors are thrown by decodeMessage; the
 * others come back in DecodeResult.errors with the message already corrected.
 */
export class BgpDecodeError extends Error {
  override readonly name = 'BgpDecodeError';
  constructor(
    readonly code: number,
    readonly subcode: number,
    message: string,
    readonly data: Uint8Array = new Uint8Array(0),
    readonly handling: ErrorHandling = 'session-reset',
  ) {
    super(`${CODE_NAMES[code] ?? `error ${code}`} (${code}/${subcode}): ${message}`);
  }
}

/** RFC 4271 §6.1: a 2-octet Length field, the data of a Bad Message Length NOTIFICATION. */
export function badMessageLength(length: number, why: string): BgpDecodeError {
  const data = new Uint8Array([(length >>> 8) & 0xff, length & 0xff]);
  return new BgpDecodeError(ErrorCode.messageHeader, MessageHeaderSubcode.badMessageLength, why, data);
}

export function openError(subcode: number, why: string, data?: Uint8Array): BgpDecodeError {
  return new BgpDecodeError(ErrorCode.open, subcode, why, data);
}

export function updateError(
  subcode: number,
  why: string,
  handling: ErrorHandling,
  data?: Uint8Array,
): BgpDecodeError {
  return new BgpDecodeError(ErrorCode.update, subcode, why, data, handling);
}
