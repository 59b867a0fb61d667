import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
  type StreamInfo,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { BusStreamConflictError } from './errors';

export interface StateStreamOptions {
  name: string;
  subjects: string[];
  /**
   * How long JetStream remembers a `Nats-Msg-Id` (default 2 min). A re-publish of the same
   * outbox row inside this window is dropped as a duplicate; after it, it is stored again,
   * which is harmless for state events (same revision; consumers skip it) but costs a write.
   */
  duplicateWindowMs?: number;
  /** JetStream replicas (1 on a single server; 3 in a production cluster). */
  replicas?: number;
  /**
   * A safety cap only. With `discard: old` reaching it silently drops the state of the
   * entities written longest ago, so size it far above the expected total and alert on it.
   */
  maxBytes?: number;
}

export type EnsureStreamResult = { action: 'created' | 'updated' | 'unchanged'; info: StreamInfo };

/** JetStream API error: "stream name already in use with a different configuration". */
const STREAM_NAME_IN_USE = 10058;
const DEFAULT_DUPLICATE_WINDOW_MS = 2 * 60_000;

export type StateStreamConfig = Partial<StreamConfig> & { name: string; subjects: string[] };

/**
 * The settings of a compacted state stream (DESIGN.md, "Data flow" 3): one subject per entity
 * and only its last message kept, so the stream is the current state and a new consumer that
 * replays it from the start gets the last message of every subject and is current. Rollup
 * headers stay off: nothing may purge a whole subject tree by publishing one message.
 */
export function stateStreamConfig(options: StateStreamOptions): StateStreamConfig {
  return {
    name: options.name,
    subjects: [...options.subjects],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_msgs_per_subject: 1,
    discard: DiscardPolicy.Old,
    max_msgs: -1,
    max_age: 0,
    max_bytes: options.maxBytes ?? -1,
    duplicate_window: nanos(options.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS),
    num_replicas: options.replicas ?? 1,
    allow_rollup_hdrs: false,
    // Point reads (the last state of one subject) go through Direct Get. The STREAM.MSG.GET API
    // of nats-server 2.9.10 dereferences a stream's store before it exists and panics the whole
    // server when the request meets a stream being created (server/stream.go registers the
    // stream, then sets up its store); Direct Get is only answered once the store is up. Seen
    // here: a test polling a stream that ipam was creating took the run's NATS server down.
    allow_direct: true,
  };
}

/** The fields ensureStateStream owns; anything else an operator set on the stream is kept. */
const OWNED = [
  'retention',
  'storage',
  'max_msgs_per_subject',
  'discard',
  'max_msgs',
  'max_age',
  'max_bytes',
  'duplicate_window',
  'num_replicas',
  'allow_rollup_hdrs',
  'allow_direct',
] as const;

export function stateStreamDrift(current: StreamConfig, desired: StateStreamConfig): string[] {
  const drift: string[] = OWNED.filter((k) => current[k] !== desired[k]);
  const subjects = (s: string[] | undefined) => [...(s ?? [])].sort().join(' ');
  if (subjects(current.subjects) !== subjects(desired.subjects)) drift.push('subjects');
  return drift;
}

/**
 * Creates the stream, or brings an existing one to these settings. Idempotent: call it at every
 * start and after every reconnect (a server restarted without its store has lost the stream).
 * Two processes calling it at once both succeed: the loser of a create race reads the winner's
 * stream and, if needed, updates it to the same settings.
 */
export async function ensureStateStream(
  jsm: JetStreamManager,
  options: StateStreamOptions,
): Promise<EnsureStreamResult> {
  const desired = stateStreamConfig(options);
  for (let attempt = 0; ; attempt++) {
    let current: StreamInfo;
    try {
      current = await jsm.streams.info(desired.name);
    } catch (err) {
      if (!isStreamNotFound(err)) throw err;
      try {
        return { action: 'created', info: await jsm.streams.add(desired) };
      } catch (addErr) {
        // Someone created it between our info and add: read theirs (once more at most).
        if (isApiError(addErr, STREAM_NAME_IN_USE) && attempt < 2) continue;
        throw addErr;
      }
    }
    if (current.config.storage !== desired.storage) {
      throw new BusStreamConflictError(
        `stream ${desired.name} uses ${current.config.storage} storage, a state stream needs ${desired.storage}; ` +
          `storage cannot be changed in place: move the data to a new stream or delete it`,
      );
    }
    if (stateStreamDrift(current.config, desired).length === 0) return { action: 'unchanged', info: current };
    const { name: _name, ...update } = desired;
    return { action: 'updated', info: await jsm.streams.update(desired.name, update) };
  }
}

function isApiError(err: unknown, code: number): boolean {
  return err instanceof JetStreamApiError && err.code === code;
}

export function isStreamNotFound(err: unknown): boolean {
  return isApiError(err, JetStreamApiCodes.StreamNotFound);
}
