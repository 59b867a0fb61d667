import { z } from 'zod';
import {
  ClusterState,
  DnsLabel,
  NodeState,
  ObjectName,
  PodBlockState,
  ServiceState,
  CidrText,
} from './domain';
import { DEFAULT_SUBJECT_ROOT, registrySubjects } from './subjects';

/**
 * Events are state, not deltas (DESIGN.md, "Data flow" 3): an event carries the entity's whole
 * current state and a revision, or a tombstone. Revisions come from one registry-wide sequence,
 * so they increase per entity across delete and re-create too; a consumer keeps the highest
 * revision it applied per subject and ignores anything not newer (idempotent replays).
 */
const Revision = z.number().int().nonnegative();
const At = z.iso.datetime();

/** The state/tombstone pair of one kind of entity; every service's events have this shape. */
export function eventSchemas<K extends string, S extends z.ZodType, Key extends z.ZodType>(
  kind: K,
  state: S,
  key: Key,
) {
  const upsert = z.strictObject({
    kind: z.literal(kind),
    revision: Revision,
    at: At,
    deleted: z.literal(false),
    state,
  });
  const tombstone = z.strictObject({
    kind: z.literal(kind),
    revision: Revision,
    at: At,
    deleted: z.literal(true),
    key,
  });
  return z.discriminatedUnion('deleted', [upsert, tombstone]);
}

export const ClusterKey = z.strictObject({ id: DnsLabel });
export const NodeKey = z.strictObject({ cluster: DnsLabel, name: ObjectName });
export const PodBlockKey = z.strictObject({ cluster: DnsLabel, cidr: CidrText });
export const ServiceKey = z.strictObject({ cluster: DnsLabel, namespace: ObjectName, name: ObjectName });
export type ClusterKey = z.infer<typeof ClusterKey>;
export type NodeKey = z.infer<typeof NodeKey>;
export type PodBlockKey = z.infer<typeof PodBlockKey>;
export type ServiceKey = z.infer<typeof ServiceKey>;

export const ClusterEvent = eventSchemas('cluster', ClusterState, ClusterKey);
export const NodeEvent = eventSchemas('node', NodeState, NodeKey);
export const PodBlockEvent = eventSchemas('block', PodBlockState, PodBlockKey);
export const ServiceEvent = eventSchemas('service', ServiceState, ServiceKey);
export const RegistryEvent = z.union([ClusterEvent, NodeEvent, PodBlockEvent, ServiceEvent]);

export type ClusterEvent = z.infer<typeof ClusterEvent>;
export type NodeEvent = z.infer<typeof NodeEvent>;
export type PodBlockEvent = z.infer<typeof PodBlockEvent>;
export type ServiceEvent = z.infer<typeof ServiceEvent>;
export type RegistryEvent = z.infer<typeof RegistryEvent>;
export type RegistryEventKind = RegistryEvent['kind'];

/** The subject an entity's events travel on, from its key (the same for state and tombstone). */
export function subjectForKey(
  kind: RegistryEventKind,
  key: Record<string, string>,
  root: string = DEFAULT_SUBJECT_ROOT,
): string {
  const subjects = registrySubjects(root);
  switch (kind) {
    case 'cluster':
      return subjects.cluster(key.id!);
    case 'node':
      return subjects.node(key.cluster!, key.name!);
    case 'block':
      return subjects.block(key.cluster!, key.cidr!);
    case 'service':
      return subjects.service(key.cluster!, key.namespace!, key.name!);
  }
}

export function keyOf(event: RegistryEvent): Record<string, string> {
  if (event.deleted) return event.key;
  switch (event.kind) {
    case 'cluster':
      return { id: event.state.id };
    case 'node':
      return { cluster: event.state.cluster, name: event.state.name };
    case 'block':
      return { cluster: event.state.cluster, cidr: event.state.cidr };
    case 'service':
      return { cluster: event.state.cluster, namespace: event.state.namespace, name: event.state.name };
  }
}

export function subjectOf(event: RegistryEvent, root: string = DEFAULT_SUBJECT_ROOT): string {
  return subjectForKey(event.kind, keyOf(event), root);
}

export class EventDecodeError extends Error {
  override readonly name = 'EventDecodeError';
  constructor(
    message: string,
    readonly subject: string,
  ) {
    super(message);
  }
}

/**
 * Parses and validates a registry event, and checks that it travelled on its own subject (a
 * message on the wrong subject would overwrite another entity's state in a compacted stream).
 */
export function decodeRegistryEvent(
  subject: string,
  data: Uint8Array | string,
  root: string = DEFAULT_SUBJECT_ROOT,
): RegistryEvent {
  return decodeStateEvent(subject, data, RegistryEvent, (e) => subjectOf(e, root), 'registry event');
}

/**
 * Parses and validates one event of a state stream and checks that it travelled on its own
 * subject (an event on another entity's subject would overwrite that entity's state).
 */
export function decodeStateEvent<E>(
  subject: string,
  data: Uint8Array | string,
  schema: z.ZodType<E>,
  subjectOfEvent: (event: E) => string,
  what: string,
): E {
  let json: unknown;
  try {
    json = JSON.parse(typeof data === 'string' ? data : Buffer.from(data).toString('utf8'));
  } catch (e) {
    throw new EventDecodeError(`not JSON: ${(e as Error).message}`, subject);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new EventDecodeError(`invalid ${what}: ${z.prettifyError(parsed.error)}`, subject);
  }
  const expected = subjectOfEvent(parsed.data);
  if (expected !== subject) {
    throw new EventDecodeError(`event for ${expected} arrived on ${subject}`, subject);
  }
  return parsed.data;
}
