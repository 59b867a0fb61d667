// Peer state changes on NATS (`<root>.routing.peer.<id>`), for operators' automation: alert on a
// reflector that is not Established, count flaps. The REST API says how a peer is now; these
// say what happened, in order, and are kept a while in a stream of their own.
import { DiscardPolicy, RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import {
  BusPublisher,
  isStreamNotFound,
  type BusConnection,
  type BusLogger,
  type OutboundMessage,
} from '@isthmus/bus';
import { routingSubjects, type PeerStateChange } from '@isthmus/contracts';

export interface PeerEventSettings {
  subjectRoot: string;
  stream: string;
  streamReplicas: number;
  /** This replica's router id: who saw the change. */
  replica: string;
  /** Changes kept in memory while NATS is away; the oldest go first past it (counted). */
  maxQueued?: number;
  logger?: BusLogger;
}

/** Messages per peer the stream keeps: the recent history of every replica's session. */
const HISTORY_PER_PEER = 64;
const encoder = new TextEncoder();

export class PeerEventPublisher {
  private readonly queue: PeerStateChange[] = [];
  private readonly publisher: BusPublisher;
  private readonly subjects: ReturnType<typeof routingSubjects>;
  private readonly abort = new AbortController();
  private readonly origin = `${Date.now().toString(36)}`;
  private wake?: () => void;
  private loop?: Promise<void>;
  private sequence = 0;
  /** Changes dropped because the queue was full (NATS away for long). */
  dropped = 0;
  published = 0;

  constructor(
    private readonly bus: BusConnection,
    private readonly settings: PeerEventSettings,
  ) {
    this.subjects = routingSubjects(settings.subjectRoot);
    this.publisher = new BusPublisher(bus, {
      context: 'peer events',
      ...(settings.logger ? { logger: settings.logger } : {}),
    });
  }

  /** Queues a change; never blocks the BGP side. */
  push(change: Omit<PeerStateChange, 'kind' | 'replica'>): void {
    this.queue.push({ kind: 'peer-state', replica: this.settings.replica, ...change });
    const max = this.settings.maxQueued ?? 10_000;
    while (this.queue.length > max) {
      this.queue.shift();
      this.dropped++;
    }
    this.wake?.();
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    let streamReady = false;
    while (!this.abort.signal.aborted) {
      if (this.queue.length === 0) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      try {
        if (!streamReady) {
          await ensureRoutingStream(await this.bus.jetstreamManager(), this.settings);
          streamReady = true;
        }
        // A batch carries each subject once (BusPublisher's rule): the queue's front up to the
        // first repeat of a peer.
        const batch: PeerStateChange[] = [];
        const seen = new Set<string>();
        for (const change of this.queue) {
          if (seen.has(change.peer)) break;
          seen.add(change.peer);
          batch.push(change);
        }
        const messages: OutboundMessage[] = batch.map((change) => ({
          subject: this.subjects.peer(change.peer),
          data: encoder.encode(JSON.stringify(change)),
          msgId: `${change.replica}-${this.origin}-${++this.sequence}`,
        }));
        await this.publisher.publish(messages, {
          signal: this.abort.signal,
          expectedStream: this.settings.stream,
        });
        this.queue.splice(0, batch.length);
        this.published += batch.length;
      } catch (err) {
        if (this.abort.signal.aborted) return;
        // The stream may be gone (a server restarted without its store): make sure of it again.
        streamReady = false;
        this.settings.logger?.warn(`peer events not published yet: ${(err as Error).message}`, 'PeerEvents');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 1000);
          this.abort.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
        });
      }
    }
  }
}

/** The routing stream: file storage, the recent history of each peer's subject. */
export async function ensureRoutingStream(
  jsm: JetStreamManager,
  settings: Pick<PeerEventSettings, 'stream' | 'subjectRoot' | 'streamReplicas'>,
): Promise<void> {
  const config = {
    name: settings.stream,
    subjects: [routingSubjects(settings.subjectRoot).all.routing],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_msgs_per_subject: HISTORY_PER_PEER,
    discard: DiscardPolicy.Old,
    duplicate_window: nanos(2 * 60_000),
    num_replicas: settings.streamReplicas,
    allow_direct: true,
  };
  try {
    await jsm.streams.info(settings.stream);
  } catch (err) {
    if (!isStreamNotFound(err)) throw err;
    await jsm.streams.add(config).catch(async (addErr: unknown) => {
      // Another replica created it meanwhile.
      await jsm.streams.info(settings.stream).catch(() => {
        throw addErr;
      });
    });
  }
}
