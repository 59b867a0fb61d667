// RFC 4271 §6.8: "collision with existing BGP connection that is in the Established state causes
// closing of the newly created connection" — with Cease / Connection Collision Resolution
// (RFC 4486 §4), so the peer knows why.
import { CeaseSubcode, encodeMessage, ErrorCode } from '../codec';
import type { NotificationSpec } from '../fsm';
import type { Clock } from './clock';
import { BgpConnection } from './connection';
import type { TransportSocket } from './transport';

/** Sends the Cease on `socket` and closes it; returns the NOTIFICATION sent. */
export function rejectConnection(socket: TransportSocket, clock: Clock): NotificationSpec {
  const ignore = (): void => undefined;
  const connection = new BgpConnection(socket, 'incoming', clock, {
    connected: ignore,
    frame: ignore,
    headerError: ignore,
    failed: ignore,
    drained: ignore,
    sourceFailed: ignore,
  });
  const cease: NotificationSpec = {
    code: ErrorCode.cease,
    subcode: CeaseSubcode.connectionCollisionResolution,
    data: new Uint8Array(0),
  };
  connection.sendLast(encodeMessage({ type: 'notification', ...cease }, { fourOctetAs: false }));
  return cease;
}
