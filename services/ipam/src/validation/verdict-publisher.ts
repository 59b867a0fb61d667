import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { ipamSubjects, type IpamSubjects } from '@isthmus/contracts';
import { PgService } from '@isthmus/service-kit';
import { ConflictLedger } from '../conflicts/conflict-ledger';
import { ConflictStore } from '../conflicts/conflict-store';
import type { BlockConflict, BlockVerdict, ValidationChanges } from '../core';
import { IpamBus } from '../feed/ipam-bus';
import { RegistryFeed } from '../feed/registry-feed';
import { messageOf } from './event-payloads';
import { ensureIpamStream, readLiveEvents } from './ipam-stream';
import { PendingEvents, type PendingEntry } from './pending-events';
import { PublisherLease } from './publisher-lease';
import { RevisionBlocks } from './revision-blocks';
import { tombstonesFor } from './stream-sweep';
import { ValidationMetrics } from './validation-metrics';
import { ValidationSettings } from './validation-settings';
import { ValidationState } from './validation-state';

type ConflictWork =
  | { type: 'reconcile'; conflicts: BlockConflict[]; at: number }
  | { type: 'changed'; opened: BlockConflict[]; closed: BlockConflict[]; at: number };

/** How long the sweep of the IPAM stream may take before it is skipped for this term. */
const SWEEP_TIMEOUT_MS = 60_000;

/**
 * Publishes every block's verdict and records conflicts (issue 4), from one replica at a time:
 * the holder of the publisher lease (an advisory lock, PublisherLease). The others keep the same
 * state and answer reads, and take over when the lease is free.
 *
 * Verdict changes are coalesced per subject (the latest wins) into `pending` and sent by one loop
 * with publishBatchInOrder, one batch at a time: each subject at most once per batch, and a
 * batch only after the previous one was stored, keeps per-subject order in the stream.
 *
 * Nothing waits for a publish: not the feed's apply() of a registry event (a replay of 100 000
 * blocks would crawl), and not the validator. At-least-once comes instead from replay and
 * republish. Every replica replays the registry stream at start, and whenever a replica becomes
 * the publisher (at its start, or when it takes over from one that died, or when the IPAM stream
 * was lost) it first republishes every current verdict, reconciles the conflict table with the
 * validator's open conflicts, and sends tombstones for what the stream still holds but is gone.
 * So a change lost in a dying publisher's memory is published by the next one; a publish that
 * fails here (NATS away) stays pending and is retried, and is overtaken by newer changes of its
 * subject meanwhile, which is all a state stream needs.
 */
@Injectable()
export class VerdictPublisher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger(VerdictPublisher.name);
  private readonly subjects: IpamSubjects;
  private readonly lease: PublisherLease;
  private readonly revisions: RevisionBlocks;
  private readonly ledger: ConflictLedger;
  private readonly pending = new PendingEvents();
  private conflictWork: ConflictWork[] = [];
  private leading = false;
  private sweepDue = false;
  /** Increases at every takeover and step-down: work started under another term is dropped. */
  private term = 0;
  private stopped = false;
  private readonly stopping = new AbortController();
  private running: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private nextStreamCheck = 0;
  private nextLeaseCheck = 0;
  private failures = 0;

  constructor(
    private readonly bus: IpamBus,
    private readonly settings: ValidationSettings,
    private readonly validation: ValidationState,
    private readonly feed: RegistryFeed,
    private readonly metrics: ValidationMetrics,
    pg: PgService,
    conflicts: ConflictStore,
  ) {
    this.subjects = ipamSubjects(settings.subjectRoot);
    this.lease = new PublisherLease({
      databaseUrl: settings.databaseUrl,
      timeoutMs: Math.max(5000, settings.publisherRetryMs),
      onLost: (reason) => this.stepDown(reason),
    });
    this.revisions = new RevisionBlocks(async () => {
      const [row] = await pg.query<{ block: bigint }>("SELECT nextval('ipam_event_revision_block') AS block");
      return Number(row!.block);
    });
    this.ledger = new ConflictLedger(conflicts, this.subjects);
    validation.onChanges((changes, at) => this.changed(changes, at));
  }

  /** True while this replica is the publisher. */
  get isPublisher(): boolean {
    return this.leading;
  }

  onApplicationBootstrap(): void {
    this.running = this.loop();
    // A replica becomes eligible the moment its feed catches up: no need to wait for the next try.
    void this.feed.ready.then(() => this.wakeUp?.());
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    this.wakeUp?.();
    await this.running;
    await this.lease.release();
  }

  private changed(changes: ValidationChanges, at: number): void {
    if (!this.leading) return;
    for (const { cluster, cidr, verdict } of changes.verdicts) this.queueVerdict(cluster, cidr, verdict, at);
    const { conflictsOpened: opened, conflictsClosed: closed } = changes;
    if (opened.length || closed.length) this.conflictWork.push({ type: 'changed', opened, closed, at });
    this.metrics.publishPending.set(this.pending.size);
    this.wakeUp?.();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        const busy = this.leading ? await this.lead() : await this.tryTakeOver();
        this.failures = 0;
        // Work may have come in while lead() was returning: `changed` had no sleep to cut short.
        if (busy || this.hasWork()) continue;
        await this.sleep(this.leading ? this.untilNextCheck() : this.settings.publisherRetryMs);
      } catch (e) {
        if (this.stopped) return;
        this.failures++;
        const wait = Math.min(this.settings.publisherRetryMs * 2 ** Math.min(this.failures - 1, 5), 30_000);
        if (!this.bus.connected) {
          // NATS is away: go on the moment it is back, not after a backoff built up meanwhile.
          this.log.warn(
            `${this.leading ? 'publishing' : 'taking over'} failed: ${(e as Error).message}; retrying once NATS is back`,
          );
          await this.bus.whenConnected({ signal: this.stopping.signal }).catch(() => undefined);
          this.failures = 0;
          continue;
        }
        this.log.warn(
          `${this.leading ? 'publishing' : 'taking over'} failed: ${(e as Error).message}; retrying in ${wait} ms`,
        );
        await this.sleep(wait);
      }
    }
  }

  /**
   * Becomes the publisher if the lease is free. Only a replica whose feed has caught up asks for
   * it: one that has not would publish a partial view and hold the lease against those that can.
   */
  private async tryTakeOver(): Promise<boolean> {
    if (!this.feed.isCaughtUp) return false;
    if (!(await this.linkUp()) || !(await this.lease.tryAcquire())) return false;
    try {
      await ensureIpamStream(this.bus, this.settings, this.publishDeadlineMs);
      await this.revisions.renew();
    } catch (e) {
      await this.lease.release();
      throw e;
    }
    this.startTerm('took over the publisher lease');
    this.metrics.takeovers.inc();
    return true;
  }

  /**
   * A new term: every current verdict and open conflict goes out again. Synchronous, so that the
   * snapshot and the changes after it (which `changed` adds from now on) leave no gap.
   */
  /** The block's verdict (null: the block is gone) replaces whatever was waiting for its subject. */
  private queueVerdict(cluster: string, cidr: string, verdict: BlockVerdict | null, at: number): void {
    this.pending.set({
      kind: 'verdict',
      subject: this.subjects.verdict(cluster, cidr),
      cluster,
      cidr,
      verdict,
      at,
    });
  }

  private startTerm(why: string): void {
    this.term++;
    this.leading = true;
    this.pending.clear();
    const at = Date.now();
    for (const verdict of this.validation.verdicts())
      this.queueVerdict(verdict.cluster, verdict.cidr, verdict, at);
    this.conflictWork = [{ type: 'reconcile', conflicts: this.validation.conflicts(), at }];
    this.sweepDue = true;
    this.nextStreamCheck = Date.now() + this.settings.streamCheckIntervalMs;
    this.nextLeaseCheck = Date.now() + this.settings.publisherRetryMs;
    this.metrics.publisher.set(1);
    this.metrics.publishPending.set(this.pending.size);
    this.log.log(`publishing (${why}): ${this.pending.size} verdicts to republish`);
  }

  private stepDown(reason: string): void {
    if (!this.leading) return;
    this.term++;
    this.leading = false;
    this.pending.clear();
    this.conflictWork = [];
    this.metrics.publisher.set(0);
    this.metrics.publishPending.set(0);
    this.log.warn(`no longer publishing: ${reason}`);
    this.wakeUp?.();
  }

  /** One step of the publisher's work; false when there was nothing to do. */
  private async lead(): Promise<boolean> {
    const term = this.term;
    if (Date.now() >= this.nextLeaseCheck) {
      this.nextLeaseCheck = Date.now() + this.settings.publisherRetryMs;
      if (!(await this.lease.confirm())) return true;
    }
    // Thrown, so that the loop waits for the link instead of spinning on work it cannot send.
    if (!(await this.linkUp())) throw new Error('NATS is not connected');
    if (term !== this.term) return true;
    if (Date.now() >= this.nextStreamCheck) {
      this.nextStreamCheck = Date.now() + this.settings.streamCheckIntervalMs;
      await this.checkStream(term);
      return true;
    }
    if (this.conflictWork.length > 0) {
      await this.recordConflicts(term);
      return true;
    }
    if (this.sweepDue) {
      await this.sweep(term);
      return true;
    }
    if (this.pending.size === 0) return false;
    await this.publishBatch(term);
    return true;
  }

  private async recordConflicts(term: number): Promise<void> {
    const work = this.conflictWork[0]!;
    const events =
      work.type === 'reconcile'
        ? await this.ledger.reconcile(work.conflicts, work.at, this.lease.sql)
        : await this.ledger.changed(work.opened, work.closed, work.at, this.lease.sql);
    if (term !== this.term) return;
    this.conflictWork.shift();
    for (const event of events) this.pending.set(event);
    this.metrics.publishPending.set(this.pending.size);
  }

  /** Tombstones for what the stream holds as live and this replica knows is gone. */
  private async sweep(term: number): Promise<void> {
    let live;
    try {
      live = await readLiveEvents(this.bus, this.settings, SWEEP_TIMEOUT_MS);
    } catch (e) {
      this.log.warn(`sweep of the IPAM stream skipped: ${(e as Error).message}`);
      if (term === this.term) this.sweepDue = false;
      return;
    }
    if (term !== this.term) return;
    this.sweepDue = false;
    const open = this.ledger.openIds();
    const tombstones = tombstonesFor(
      live,
      {
        hasBlock: (cluster, cidr) => this.validation.verdict(cluster, cidr) !== undefined,
        hasConflict: (id) => open.has(id) || this.pending.has(this.subjects.conflict(id)),
      },
      this.subjects,
      Date.now(),
    );
    for (const event of tombstones) this.pending.set(event);
    if (tombstones.length > 0) {
      this.log.log(`sweep: ${tombstones.length} events in the IPAM stream are gone here; sending tombstones`);
    }
    this.metrics.publishPending.set(this.pending.size);
  }

  /** One batch's publish, retries included, ends within this (then the loop backs off). */
  private get publishDeadlineMs(): number {
    return Math.max(this.settings.natsPublishTimeoutMs, this.settings.publisherRetryMs * 5);
  }

  private async publishBatch(term: number): Promise<void> {
    const batch = this.pending.take(this.settings.publishBatchSize);
    try {
      const unnumbered = batch.filter((e) => e.revision === undefined);
      const revisions = await this.revisions.take(unnumbered.length);
      unnumbered.forEach((e, i) => (e.revision = revisions[i]));
      // Retried within one bound (NATS_PUBLISH_TIMEOUT_MS per attempt, PUBLISHER_RETRY_MS × 5
      // in all); what is still unsent then goes back to `pending`, behind nothing newer. A lost
      // stream ends it at once: checkStream must create it and start a term.
      await this.bus.publisher.publish(
        batch.map((e) => messageOf(e.event, e.revision!)),
        {
          expectedStream: this.settings.ipamStream,
          deadlineMs: this.publishDeadlineMs,
          failFastOn: ['no-stream'],
        },
      );
    } catch (e) {
      if (term === this.term) this.pending.putBack(batch);
      this.metrics.publishBatches.inc({ result: 'error' });
      // The stream may be gone (a NATS server restarted without its store): check at once.
      this.nextStreamCheck = 0;
      throw e;
    }
    this.metrics.publishBatches.inc({ result: 'ok' });
    this.count(batch);
    if (term !== this.term) return;
    this.metrics.publishPending.set(this.pending.size);
  }

  /** A stream that had to be created again lost everything: a new term republishes it all. */
  private async checkStream(term: number): Promise<void> {
    const { action } = await ensureIpamStream(this.bus, this.settings, this.publishDeadlineMs);
    if (action === 'created' && term === this.term) {
      await this.revisions.renew();
      if (term === this.term) this.startTerm('the IPAM stream was lost and created again');
    }
  }

  private count(batch: readonly PendingEntry[]): void {
    let verdicts = 0;
    for (const { event } of batch) if (event.kind === 'verdict') verdicts++;
    if (verdicts) this.metrics.publishedMessages.inc({ kind: 'verdict' }, verdicts);
    if (batch.length - verdicts)
      this.metrics.publishedMessages.inc({ kind: 'conflict' }, batch.length - verdicts);
  }

  /** True once the link is up, within PUBLISHER_RETRY_MS; false while NATS is away. */
  private async linkUp(): Promise<boolean> {
    return this.bus
      .whenConnected({ timeoutMs: this.settings.publisherRetryMs, signal: this.stopping.signal })
      .then(() => true)
      .catch(() => false);
  }

  private hasWork(): boolean {
    return this.leading && (this.pending.size > 0 || this.conflictWork.length > 0);
  }

  private untilNextCheck(): number {
    return Math.max(10, Math.min(this.nextLeaseCheck, this.nextStreamCheck) - Date.now());
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.wakeUp === done) this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }
}
