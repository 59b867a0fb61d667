// The pure BGP-4 codec: messages <-> bytes, RFC 7606 error handling, packing, OPEN negotiation.
export { frameLength, HEADER_LENGTH, MAX_MESSAGE_LENGTH, MessageType } from './wire/header';
export { decodeMessage, encodeMessage } from './message/message';
export { packAnnouncements, packWithdrawals, endOfRib } from './pack/pack';
export { isEndOfRib } from './update/end-of-rib';
export { negotiate } from './open/negotiate';
export { BgpDecodeError } from './errors';
export * from './error-codes';
export * from './types';
