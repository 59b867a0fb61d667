import {
  subjectForKey,
  type RegistryEvent,
  type RegistryEventKind,
  type ClusterState,
  type NodeState,
  type PodBlockState,
  type ServiceState,
} from '@isthmus/contracts';

export interface OutboxRow {
  id: bigint;
  subject: string;
  payload: string;
}

/**
 * An outbox row as the writer hands it to the relay once committed (RegistryWriter.onCommit):
 * the payload as the UTF-8 bytes the outbox row holds, encoded once, published as they are.
 */
export interface CommittedRow {
  id: bigint;
  subject: string;
  data: Uint8Array;
}

type StateOf = { cluster: ClusterState; node: NodeState; block: PodBlockState; service: ServiceState };

/** The outbox row of a new state: its id is the event's revision and its Nats-Msg-Id. */
export function stateEvent<K extends RegistryEventKind>(
  kind: K,
  state: StateOf[K],
  key: Record<string, string>,
  revision: bigint,
  at: string,
  subjectRoot: string,
): OutboxRow {
  const event = { kind, revision: Number(revision), at, deleted: false, state } as RegistryEvent;
  return { id: revision, subject: subjectForKey(kind, key, subjectRoot), payload: JSON.stringify(event) };
}

export function tombstoneEvent(
  kind: RegistryEventKind,
  key: Record<string, string>,
  revision: bigint,
  at: string,
  subjectRoot: string,
): OutboxRow {
  const event = { kind, revision: Number(revision), at, deleted: true, key } as RegistryEvent;
  return { id: revision, subject: subjectForKey(kind, key, subjectRoot), payload: JSON.stringify(event) };
}
