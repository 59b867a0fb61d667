// RFC 4271 §6.8: connection collision detection. A peer may have two connections at once (ours
// and the one it initiated); these pure decisions say what the session does with them.
import type { BgpState } from './states';
import { bgpIdentifierValue } from './open-check';

export type ConnectionDirection = 'outgoing' | 'incoming';

/**
 * What to do with a new incoming connection, given the state of the peer's current connection.
 *  - `adopt`: nothing is connected yet (Connect, Active): it becomes the connection
 *    (TcpConnectionConfirmed); a connect attempt of ours still under way is abandoned.
 *  - `track`: OpenSent/OpenConfirm: run it alongside until its OPEN tells the peer's identifier,
 *    then resolve the collision.
 *  - `reject`: Established: "collision with existing BGP connection that is in the Established
 *    state causes closing of the newly created connection" (Cease / Connection Collision
 *    Resolution, RFC 4486 §4).
 *  - `refuse`: Idle refuses all incoming connections (RFC 4271 §8.2.2).
 */
export type IncomingDisposition = 'adopt' | 'track' | 'reject' | 'refuse';

export function incomingDisposition(current: BgpState): IncomingDisposition {
  switch (current) {
    case 'Idle':
      return 'refuse';
    case 'Connect':
    case 'Active':
      return 'adopt';
    case 'OpenSent':
    case 'OpenConfirm':
      return 'track';
    case 'Established':
      return 'reject';
  }
}

/**
 * §6.8: "the connection initiated by the BGP speaker with the larger BGP Identifier" survives.
 * Identifiers are compared as unsigned 32-bit integers.
 */
export function collisionSurvivor(localId: string, remoteId: string): ConnectionDirection {
  const local = bgpIdentifierValue(localId) ?? 0;
  const remote = bgpIdentifierValue(remoteId) ?? 0;
  return local > remote ? 'outgoing' : 'incoming';
}
