import { z } from 'zod';
import { CidrText, DnsLabel, IpAddressText, ObjectName } from '@isthmus/contracts';
import { PageQuery } from '@isthmus/service-kit';
import { routerIdProblem } from '../config/routing-settings';

const intIn = (min: number, max: number, message: string) =>
  z
    .number({ message: `${message}; got a value that is not a number` })
    .int({ message })
    .min(min, { message })
    .max(max, { message });

/** 4-octet AS numbers (RFC 6793); 0 is reserved (RFC 7607). */
export const AsNumber = intIn(
  1,
  4294967295,
  'must be an AS number from 1 to 4294967295 (2- or 4-octet, RFC 6793)',
);

const PeerAddress = IpAddressText.refine((a) => a !== '0.0.0.0' && a !== '::', {
  message: 'must be the address of the peer, not the unspecified address',
});

export const RouterId = z.string().superRefine((v, ctx) => {
  const problem = routerIdProblem(v);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const HoldTime = z
  .number()
  .int({ message: 'must be a whole number of seconds' })
  .refine((s) => s === 0 || (s >= 3 && s <= 65535), {
    message: 'must be 0 (no keepalives) or 3 to 65535 seconds (RFC 4271 §4.2)',
  });

const GracefulRestart = intIn(
  0,
  4095,
  'must be 0 (no graceful restart) to 4095 seconds (12 bits, RFC 4724 §3)',
);

/** Sets, kept sorted and without repeats: two filters that mean the same are stored the same. */
const sortedSet = (values: string[]) => [...new Set(values)].sort();

export const PeerFilterBody = z.strictObject({
  /** Only these clusters' routes. */
  clusters: z.array(DnsLabel).max(1000).transform(sortedSet).optional(),
  /** Only routes inside one of these prefixes (canonical CIDRs, IPv4 or IPv6). */
  prefixes: z.array(CidrText).max(1000).transform(sortedSet).optional(),
});

const fields = {
  address: PeerAddress,
  port: intIn(1, 65535, 'must be a TCP port from 1 to 65535'),
  peerAsn: AsNumber,
  localAsn: AsNumber,
  routerId: RouterId,
  holdTimeSeconds: HoldTime,
  passive: z.boolean(),
  gracefulRestartSeconds: GracefulRestart,
  filter: PeerFilterBody,
  name: ObjectName,
  description: z.string().max(1024),
};

export const CreatePeerBody = z.strictObject({
  address: fields.address,
  port: fields.port.default(179),
  peerAsn: fields.peerAsn,
  /** Unset: ROUTING_LOCAL_ASN of the replica that creates the peer, stored with it. */
  localAsn: fields.localAsn.optional(),
  routerId: fields.routerId.nullable().default(null),
  holdTimeSeconds: fields.holdTimeSeconds.default(90),
  passive: fields.passive.default(false),
  gracefulRestartSeconds: fields.gracefulRestartSeconds.default(120),
  filter: fields.filter.nullable().default(null),
  name: fields.name.nullable().default(null),
  description: fields.description.default(''),
});
export type CreatePeerBody = z.infer<typeof CreatePeerBody>;

/** PATCH: the fields given replace the peer's; null clears routerId, filter and name. */
export const PatchPeerBody = z
  .strictObject({
    address: fields.address.optional(),
    port: fields.port.optional(),
    peerAsn: fields.peerAsn.optional(),
    localAsn: fields.localAsn.optional(),
    routerId: fields.routerId.nullable().optional(),
    holdTimeSeconds: fields.holdTimeSeconds.optional(),
    passive: fields.passive.optional(),
    gracefulRestartSeconds: fields.gracefulRestartSeconds.optional(),
    filter: fields.filter.nullable().optional(),
    name: fields.name.nullable().optional(),
    description: fields.description.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change: give at least one field' });
export type PatchPeerBody = z.infer<typeof PatchPeerBody>;

export const PeerId = z.uuid({ message: 'must be a peer id as the API returned it (a UUID)' });

export const PeerListQuery = PageQuery;
// Not a type of the same name: Nest's decorator metadata would name the schema object (see ipam's PoolPageQuery).
export type PeerPageQuery = z.infer<typeof PeerListQuery>;
