import type { RegistryEvent } from '@isthmus/contracts';
import type { ValidatorInput } from '../core';
import type { LookupIndex } from '../lookup/lookup-index';
import type { ValidationState } from '../validation/validation-state';
import type { BlockGone, BlockSighting, FirstSeenStore } from './first-seen-store';

export interface FeedIntakeOptions {
  /** Events per batch at most (one first-seen statement and one validator apply per batch). */
  batchSize: number;
  /** Above this many waiting events, push() waits: the consumer stops acknowledging and pulling. */
  highWater: number;
  /** Pause before a batch whose database work failed is tried again. */
  retryMs: number;
  logger: { warn(message: string): void };
  /** Told after every applied batch. */
  onApplied?: (events: number) => void;
  now?: () => number;
}

interface Waiter {
  resolve: () => void;
}

/**
 * Applies registry events to this replica's state in batches: one database round trip records
 * the first sighting of every new block of a batch (and forgets the blocks gone), then the
 * validator and the lookup index take the whole batch at once, synchronously.
 *
 * The consumer's apply() only queues here (it waits only when the queue is full), so a message
 * is acknowledged before its batch is applied. That is safe because the registry feed replays
 * the whole stream at every start (replay: 'full'): what a crash loses from this queue is
 * delivered again by the next start's replay, and within a process a batch whose database work
 * fails stays at the head of the queue and is retried until it succeeds. What it buys is
 * throughput: one round trip per batch instead of one per event.
 *
 * A batch never holds two events of one block, so the first-seen statements of a batch touch
 * distinct rows and their order within it does not matter.
 */
export class FeedIntake {
  private queue: RegistryEvent[] = [];
  private head = 0;
  private readonly spaceWaiters: Waiter[] = [];
  private readonly idleWaiters: Waiter[] = [];
  private wake: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly now: () => number;

  constructor(
    private readonly firstSeen: Pick<FirstSeenStore, 'record' | 'forget'>,
    private readonly validation: ValidationState,
    private readonly lookup: LookupIndex,
    private readonly options: FeedIntakeOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  get backlog(): number {
    return this.queue.length - this.head;
  }

  /** Queues an event; resolves at once unless the queue is above its high-water mark. */
  push(event: RegistryEvent): Promise<void> {
    if (this.stopped) return Promise.reject(new Error('the feed intake is stopped'));
    this.queue.push(event);
    this.wake?.();
    if (this.backlog < this.options.highWater) return Promise.resolve();
    return new Promise((resolve) => this.spaceWaiters.push({ resolve }));
  }

  /** Resolves once every event queued so far is applied (at once when the queue is empty). */
  idle(): Promise<void> {
    if (this.backlog === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push({ resolve }));
  }

  start(): void {
    this.running ??= this.loop();
  }

  /** Stops after the batch being applied; what is still queued is dropped (the next start replays it). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.spaceWaiters.splice(0)) w.resolve();
    this.wake?.();
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      if (this.backlog === 0) {
        for (const w of this.idleWaiters.splice(0)) w.resolve();
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      const batch = this.nextBatch();
      try {
        await this.applyBatch(batch);
      } catch (e) {
        if (this.stopped) return;
        this.options.logger.warn(
          `applying a batch of ${batch.length} registry events failed: ${(e as Error).message}; retrying in ${this.options.retryMs} ms`,
        );
        await new Promise((r) => setTimeout(r, this.options.retryMs));
        continue;
      }
      this.head += batch.length;
      if (this.head > 4096 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      if (this.backlog < this.options.highWater / 2) for (const w of this.spaceWaiters.splice(0)) w.resolve();
      this.options.onApplied?.(batch.length);
    }
  }

  /** Events from the head, up to the batch size, stopping before a block seen already in the batch. */
  private nextBatch(): RegistryEvent[] {
    const batch: RegistryEvent[] = [];
    const blocks = new Set<string>();
    for (let i = this.head; i < this.queue.length && batch.length < this.options.batchSize; i++) {
      const event = this.queue[i]!;
      if (event.kind === 'block') {
        const key = blockKeyOf(event);
        if (blocks.has(key)) break;
        blocks.add(key);
      }
      batch.push(event);
    }
    return batch;
  }

  private async applyBatch(batch: readonly RegistryEvent[]): Promise<void> {
    const sightings: BlockSighting[] = [];
    const gone: BlockGone[] = [];
    for (const event of batch) {
      if (event.kind !== 'block') continue;
      if (event.deleted) gone.push({ ...event.key, revision: event.revision });
      else {
        const { cluster, cidr } = event.state;
        sightings.push({ cluster, cidr, at: Date.parse(event.at), revision: event.revision });
      }
    }
    const [firstSeen] = await Promise.all([this.firstSeen.record(sightings), this.firstSeen.forget(gone)]);
    // From here on synchronous: the batch lands whole.
    const inputs: ValidatorInput[] = [];
    let sighting = 0;
    for (const event of batch) {
      if (event.kind === 'block') {
        if (event.deleted) {
          inputs.push({ type: 'block-delete', ...event.key, revision: event.revision });
          this.lookup.removeBlock(event.key.cluster, event.key.cidr);
        } else {
          const seen = firstSeen[sighting++]!;
          const { cluster, cidr, node, nextHop } = event.state;
          inputs.push({
            type: 'block-upsert',
            block: { cluster, cidr, node, nextHop, revision: event.revision, ...seen },
          });
          this.lookup.putBlock(event.state);
        }
      } else if (event.kind === 'service') {
        if (event.deleted) this.lookup.removeService(event.key);
        else this.lookup.putService(event.state);
      } else if (event.kind === 'node') {
        if (event.deleted) this.lookup.removeNode(event.key);
        else this.lookup.putNode(event.state);
      }
      // Cluster events: nothing to validate or look up (their blocks come as block events).
    }
    if (inputs.length > 0) this.validation.apply(inputs, this.now());
  }
}

function blockKeyOf(event: Extract<RegistryEvent, { kind: 'block' }>): string {
  const { cluster, cidr } = event.deleted ? event.key : event.state;
  return `${cluster}/${cidr}`;
}
