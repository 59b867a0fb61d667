// Test support: the registry's side of the bus, without a registry. Events are built with the
// contracts' shapes and published onto the test's registry stream exactly as the registry's
// outbox relay does (one subject per entity, Nats-Msg-Id = revision).
import { BusConnection, BusPublisher, type OutboundMessage } from '@isthmus/bus';
import {
  subjectOf,
  type NodeState,
  type PodBlockState,
  type RegistryEvent,
  type ServiceState,
} from '@isthmus/contracts';
import type { NatsConnection } from '@nats-io/nats-core';

const encoder = new TextEncoder();

export interface BlockSpec {
  cluster: string;
  cidr: string;
  node: string;
  nextHop?: string;
  source?: PodBlockState['source'];
}

/** Publishes registry events for one test's subject root; revisions increase across calls. */
export class RegistryStream {
  private revision: number;
  private readonly publisher: BusPublisher;

  private constructor(
    private readonly bus: BusConnection,
    readonly nc: NatsConnection,
    readonly root: string,
    readonly stream: string,
    firstRevision: number,
  ) {
    this.revision = firstRevision;
    this.publisher = new BusPublisher(bus, { attemptTimeoutMs: 3000 });
  }

  /** `firstRevision`: a registry's sequence that already went that far (a second writer in one test). */
  static async open(env: Record<string, string>, firstRevision = 0): Promise<RegistryStream> {
    const bus = new BusConnection(env.NATS_URL!, 'test-registry-stream', undefined, {
      reconnectTimeWaitMs: 100,
    });
    const nc = await bus.connection();
    return new RegistryStream(
      bus,
      nc,
      env.ISTHMUS_SUBJECT_ROOT!,
      env.ISTHMUS_REGISTRY_STREAM!,
      firstRevision,
    );
  }

  /** A block's state event; `at` defaults to now (it becomes the block's firstSeen if new). */
  blockEvent(b: BlockSpec, at = new Date()): RegistryEvent {
    const state: PodBlockState = {
      cluster: b.cluster,
      cidr: b.cidr,
      node: b.node,
      nextHop: b.nextHop ?? '192.0.2.1',
      source: b.source ?? 'calico-blockaffinity',
    };
    return { kind: 'block', revision: ++this.revision, at: at.toISOString(), deleted: false, state };
  }

  blockGone(cluster: string, cidr: string, at = new Date()): RegistryEvent {
    return {
      kind: 'block',
      revision: ++this.revision,
      at: at.toISOString(),
      deleted: true,
      key: { cluster, cidr },
    };
  }

  serviceEvent(state: ServiceState, at = new Date()): RegistryEvent {
    return { kind: 'service', revision: ++this.revision, at: at.toISOString(), deleted: false, state };
  }

  nodeEvent(state: NodeState, at = new Date()): RegistryEvent {
    return { kind: 'node', revision: ++this.revision, at: at.toISOString(), deleted: false, state };
  }

  async block(b: BlockSpec, at?: Date): Promise<RegistryEvent> {
    const event = this.blockEvent(b, at);
    await this.publish([event]);
    return event;
  }

  async removeBlock(cluster: string, cidr: string): Promise<RegistryEvent> {
    const event = this.blockGone(cluster, cidr);
    await this.publish([event]);
    return event;
  }

  /**
   * Publishes in order, as the relay does: each subject at most once per batch, and a batch that
   * failed is sent again whole by BusPublisher (the same msgIds: what was stored is dropped as a
   * duplicate), within 30 s, also across a server restart.
   */
  async publish(events: readonly RegistryEvent[], batchSize = 2000): Promise<void> {
    for (let i = 0; i < events.length; i += batchSize) {
      const messages: OutboundMessage[] = events.slice(i, i + batchSize).map((e) => ({
        subject: subjectOf(e, this.root),
        data: encoder.encode(JSON.stringify(e)),
        msgId: String(e.revision),
      }));
      await this.publisher.publish(messages, { expectedStream: this.stream, deadlineMs: 30_000 });
    }
  }

  async close(): Promise<void> {
    await this.bus.close();
  }
}
