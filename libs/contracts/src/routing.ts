import { z } from 'zod';
import { DEFAULT_SUBJECT_ROOT, encodeToken } from './subjects';

/**
 * The routing service's events (issue 11): a peer's BGP session changed state. Each replica has
 * its own session with every reflector (DESIGN.md, "Routing semantics"), so an event names the
 * replica (its router id) as well as the peer; the stream keeps the recent history per peer.
 */
export const DEFAULT_ROUTING_STREAM = 'ISTHMUS_ROUTING';

/** RFC 4271 §8.2.2 states. */
export const BgpSessionState = z.enum([
  'Idle',
  'Connect',
  'Active',
  'OpenSent',
  'OpenConfirm',
  'Established',
]);
export type BgpSessionState = z.infer<typeof BgpSessionState>;

const DottedQuad = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}$/, { message: 'must be a dotted quad' });
const Count = z.number().int().nonnegative();

export const PeerStateChange = z.strictObject({
  kind: z.literal('peer-state'),
  /** The peer's id in the routing service's API (`/v1/peers/{id}`). */
  peer: z.string().min(1).max(128),
  address: z.string().min(1).max(64),
  /** The replica whose session this is: its BGP identifier. */
  replica: DottedQuad,
  from: BgpSessionState,
  to: BgpSessionState,
  /** Why: the FSM event, a NOTIFICATION sent or received, a reset. */
  reason: z.string().max(1000),
  at: z.iso.datetime(),
  /** Prefixes the peer has from this replica at the change, per family. */
  advertised: z.strictObject({ ipv4: Count, ipv6: Count }),
});
export type PeerStateChange = z.infer<typeof PeerStateChange>;

export function routingSubjects(root: string = DEFAULT_SUBJECT_ROOT) {
  const prefix = `${root}.routing`;
  return {
    peer: (id: string) => `${prefix}.peer.${encodeToken(id)}`,
    all: { routing: `${prefix}.>`, peers: `${prefix}.peer.*` },
  } as const;
}
export type RoutingSubjects = ReturnType<typeof routingSubjects>;
