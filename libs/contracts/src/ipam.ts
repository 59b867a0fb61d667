import { z } from 'zod';
import { CidrText, DnsLabel, ObjectName } from './domain';
import { decodeStateEvent, eventSchemas } from './events';
import { cidrToken, DEFAULT_SUBJECT_ROOT, encodeToken } from './subjects';

/**
 * The IPAM service's events (issue 4): a verdict per pod block and a record per conflict, in the
 * same state/tombstone shape as the registry's events, so routing and DNS follow them with the
 * same StateConsumer (DESIGN.md, "Data flow" 3): one subject per entity, the whole current state
 * with a revision, or a tombstone. Revisions come from the IPAM's own sequence, increasing per
 * subject across publishers and restarts.
 */
export const DEFAULT_IPAM_STREAM = 'ISTHMUS_IPAM';

/**
 * valid: routed and resolvable. conflict: overlaps an older block of another cluster or another
 * node of its cluster, and is kept out of routing and DNS. outside-allocation: its cluster has
 * pod allocations of the block's family and none contains it; kept out too.
 */
export const VerdictStatus = z.enum(['valid', 'conflict', 'outside-allocation']);
export type VerdictStatus = z.infer<typeof VerdictStatus>;

/** no-pod-allocation: the cluster has no pod allocation of the block's family (any block fits). */
export const AllocationFit = z.enum(['inside', 'outside', 'no-pod-allocation']);
export type AllocationFit = z.infer<typeof AllocationFit>;

/** One side of a conflict: a block and when the IPAM first saw it (the earlier one wins). */
export const ConflictParty = z.strictObject({
  cluster: DnsLabel,
  cidr: CidrText,
  firstSeen: z.iso.datetime(),
});
export type ConflictParty = z.infer<typeof ConflictParty>;

const Count = z.number().int().nonnegative();

export const BlockVerdictState = z.strictObject({
  cluster: DnsLabel,
  cidr: CidrText,
  node: ObjectName,
  status: VerdictStatus,
  allocation: AllocationFit,
  /** The blocks this one yields to, oldest first; the service names at most 10 of them. */
  excludedBy: z.array(ConflictParty).max(64),
  excludedByTotal: Count,
  /** How many younger blocks this one keeps out (their verdicts name it). */
  excludingTotal: Count,
});
export type BlockVerdictState = z.infer<typeof BlockVerdictState>;

/** Conflict ids are the IPAM's database ids (bigint): decimal digits. */
export const ConflictId = z
  .string()
  .regex(/^[1-9]\d{0,18}$/, { message: 'must be a positive integer' })
  .refine((id) => !/^\d+$/.test(id) || BigInt(id) <= 9_223_372_036_854_775_807n, {
    message: 'no conflict has an id that large',
  });

/** An open conflict: `kept` keeps its addresses, `excluded` is kept out of routing and DNS. */
export const ConflictState = z.strictObject({
  id: ConflictId,
  kept: ConflictParty,
  excluded: ConflictParty,
  /** When the IPAM detected it. */
  since: z.iso.datetime(),
});
export type ConflictState = z.infer<typeof ConflictState>;

export const VerdictKey = z.strictObject({ cluster: DnsLabel, cidr: CidrText });
export const ConflictKey = z.strictObject({ id: ConflictId });
export type VerdictKey = z.infer<typeof VerdictKey>;
export type ConflictKey = z.infer<typeof ConflictKey>;

/** A block's verdict; the tombstone says the block is gone. */
export const VerdictEvent = eventSchemas('verdict', BlockVerdictState, VerdictKey);
/** A conflict while it is open; the tombstone says it cleared (its `at` is when). */
export const ConflictEvent = eventSchemas('conflict', ConflictState, ConflictKey);
export const IpamEvent = z.discriminatedUnion('kind', [VerdictEvent, ConflictEvent]);
export type VerdictEvent = z.infer<typeof VerdictEvent>;
export type ConflictEvent = z.infer<typeof ConflictEvent>;
export type IpamEvent = z.infer<typeof IpamEvent>;

/**
 * The IPAM's subjects under a root token (the registry's root: one installation, one root).
 * Names are encoded into single tokens exactly as the registry's are (subjects.ts).
 */
export function ipamSubjects(root: string = DEFAULT_SUBJECT_ROOT) {
  const prefix = `${root}.ipam`;
  return {
    verdict: (cluster: string, cidr: string) =>
      `${prefix}.verdict.${encodeToken(cluster)}.${cidrToken(cidr)}`,
    conflict: (id: string) => `${prefix}.conflict.${encodeToken(id)}`,
    /** Wildcards for consumers (and the stream). */
    all: {
      ipam: `${prefix}.>`,
      verdicts: (cluster?: string) => `${prefix}.verdict.${cluster ? encodeToken(cluster) : '*'}.*`,
      conflicts: `${prefix}.conflict.*`,
    },
  } as const;
}

export type IpamSubjects = ReturnType<typeof ipamSubjects>;

/** The subject an IPAM event travels on (the same for its state and its tombstone). */
export function ipamSubjectOf(event: IpamEvent, root: string = DEFAULT_SUBJECT_ROOT): string {
  const subjects = ipamSubjects(root);
  if (event.kind === 'verdict') {
    const key = event.deleted ? event.key : event.state;
    return subjects.verdict(key.cluster, key.cidr);
  }
  return subjects.conflict(event.deleted ? event.key.id : event.state.id);
}

/** Parses and validates an IPAM event and checks that it travelled on its own subject. */
export function decodeIpamEvent(
  subject: string,
  data: Uint8Array | string,
  root: string = DEFAULT_SUBJECT_ROOT,
): IpamEvent {
  return decodeStateEvent(subject, data, IpamEvent, (e) => ipamSubjectOf(e, root), 'ipam event');
}

/** How a StateConsumer reads IPAM events (the counterpart of @isthmus/bus registryEvents). */
export function ipamEvents(root: string = DEFAULT_SUBJECT_ROOT) {
  return {
    decode: (subject: string, data: Uint8Array): IpamEvent => decodeIpamEvent(subject, data, root),
    revisionOf: (event: IpamEvent): number => event.revision,
  };
}
