import { Injectable, Logger } from '@nestjs/common';
import { ChangeListener, PgService, type Sql } from '@isthmus/service-kit';
import { formatPrefix, normalizePrefix, type ValidatorInput } from '../core';
import { LookupIndex, type PlanAllocation, type PlanPool } from '../lookup/lookup-index';
import { ValidationSettings } from '../validation/validation-settings';
import { ValidationState } from '../validation/validation-state';
import { AddressPlan, type PlanDelta } from './address-plan';
import { planChangeOf, planChangesFollow, type PlanChangeRow } from './plan-changes';

/** The channel the triggers of the pool and allocation tables notify on (see the migrations). */
export const PLAN_CHANNEL = 'ipam_plan';

/**
 * More change rows than this in one read and a whole read is as cheap: the feed reads the plan
 * whole instead (a bulk insert of 100,000 allocations is one revision of 100,000 rows).
 */
const MAX_CHANGE_ROWS = 20_000;

/** How the feed brought its plan up to date; counted for tests and benchmarks. */
export interface PlanReads {
  /** Reads of the whole plan (at start, after the listener came back, after a gap). */
  whole: number;
  /** Reads of the plan log above the applied revision. */
  incremental: number;
}

/**
 * Keeps the validator's allocations and the lookup's pools and allocations equal to the address
 * plan in the database (issue 10, 5: it must stay fast with 100,000 allocations).
 *
 * The plan is read whole, with its revision, in one snapshot at start, after the LISTEN
 * connection came back (notifications sent while it was away are lost), and whenever the plan
 * log (plan_change, migration 20261208200000_plan_changes) cannot take the replica from the
 * revision it applied to the current one: pruned past it, or truncated. Otherwise every signal (a
 * NOTIFY from the triggers) reads only the log's rows above the applied revision and applies
 * them, so a change costs O(changes), not O(plan). A whole read is applied as a delta too: the
 * lookup's trie changes only where the plan did.
 *
 * Every read runs in one queue (sync), so a read never overlaps another and each applies only
 * what is above the revision the previous one left: no change applies twice, and no older read
 * rolls back a newer one. Signals during a read make one more read after it. A write through
 * this replica's API calls catchUp before it answers (read-your-writes) with the revision it
 * committed when it knows it: a notification that got here first leaves nothing to read.
 */
@Injectable()
export class PlanFeed {
  private readonly log = new Logger(PlanFeed.name);
  private readonly listener: ChangeListener;
  private readonly plan = new AddressPlan();
  private readonly retentionMs: number;
  private queue: Promise<void> = Promise.resolve();
  private reading: Promise<void> | undefined;
  private again = false;
  private retryNow: (() => void) | undefined;
  private stopped = false;
  private appliedRevision = 0;
  private wholeReadNeeded = true;
  private pruneTimer: NodeJS.Timeout | undefined;
  private readonly readCounts: PlanReads = { whole: 0, incremental: 0 };
  private settleLoaded!: () => void;
  /** Resolves after the first complete read of the plan. */
  readonly loaded: Promise<void>;

  constructor(
    private readonly pg: PgService,
    private readonly validation: ValidationState,
    private readonly lookup: LookupIndex,
    settings: ValidationSettings,
  ) {
    this.loaded = new Promise((resolve) => (this.settleLoaded = resolve));
    this.retentionMs = settings.planChangeRetentionMs;
    this.listener = new ChangeListener({
      databaseUrl: settings.databaseUrl,
      channel: PLAN_CHANNEL,
      retryMs: Math.min(settings.publisherRetryMs, 2000),
      logger: this.log,
      onSignal: (reason) => {
        // Whatever was notified while no connection listened is read whole.
        if (reason === 'listening') this.wholeReadNeeded = true;
        this.signal();
      },
    });
  }

  start(): void {
    this.listener.start();
    // Any replica prunes; several doing it at once delete the same rows, harmlessly.
    const every = Math.min(Math.max(Math.floor(this.retentionMs / 4), 1000), 60_000);
    this.pruneTimer = setInterval(() => {
      this.prune().catch((e: Error) => this.log.warn(`pruning the plan log failed: ${e.message}`));
    }, every);
    this.pruneTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pruneTimer);
    this.retryNow?.();
    await this.listener.stop();
    await this.reading;
    await this.queue;
  }

  /** The revision of the plan applied last (plan_revision; 0 before the first read). */
  get revision(): number {
    return this.appliedRevision;
  }

  /** How many whole and incremental reads this feed made. */
  get reads(): Readonly<PlanReads> {
    return { ...this.readCounts };
  }

  /** The plan as applied, sorted (pools by name, allocations by id): for comparisons. */
  snapshot(): { revision: number; pools: PlanPool[]; allocations: PlanAllocation[] } {
    return { revision: this.appliedRevision, ...this.plan.snapshot() };
  }

  /**
   * Read-your-writes: called by a write through this replica's API once it committed, before it
   * answers, so that a lookup or a verdict right after the answer already reflects it, whenever
   * the notification gets here. `committed` is the revision the write committed (planRevisionOf
   * in its transaction), when the write knows it: applied already, nothing is read. Otherwise
   * the log is read above the applied revision, which reaches at least the write's revision
   * since the write committed before. A failure is not the write's: the notification path
   * catches up, so it is only logged.
   */
  async catchUp(committed?: number): Promise<void> {
    try {
      await this.sync(committed);
    } catch (e) {
      this.log.warn(`reading the address plan after a write failed: ${(e as Error).message}`);
    }
  }

  /**
   * The old path, kept for the benchmark (bench/ipam-plan-feed.mjs) and for tests: one read of
   * the whole plan, applied in the queue like any other read.
   */
  readWhole(): Promise<void> {
    return this.enqueue(() => this.readWholeNow());
  }

  /** Deletes plan_change rows older than the retention; returns how many. */
  async prune(): Promise<number> {
    const [row] = await this.pg.query<{ n: number }>(
      `WITH gone AS (DELETE FROM plan_change WHERE at < now() - $1 * interval '1 millisecond' RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [this.retentionMs],
    );
    return row!.n;
  }

  private signal(): void {
    if (this.reading) {
      this.again = true;
      // A read waiting out a failure goes now: the signal may mean the database is back.
      this.retryNow?.();
      return;
    }
    this.reading = this.readUntilCurrent().finally(() => (this.reading = undefined));
  }

  private async readUntilCurrent(): Promise<void> {
    let failures = 0;
    do {
      this.again = false;
      try {
        await this.sync();
        this.settleLoaded();
        failures = 0;
      } catch (e) {
        if (this.stopped) return;
        // Retried here with a growing pause (the listener also signals again once it can listen
        // again, after the database came back).
        const wait = Math.min(500 * 2 ** failures++, 30_000);
        this.log.warn(`reading the address plan failed: ${(e as Error).message}; retrying in ${wait} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          this.retryNow = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.retryNow = undefined;
        this.again = true;
      }
    } while (this.again && !this.stopped);
  }

  /** One read in the queue: from the log when it can, else whole. */
  private sync(atLeast?: number): Promise<void> {
    return this.enqueue(async () => {
      if (atLeast !== undefined && this.appliedRevision >= atLeast) return;
      if (!this.wholeReadNeeded && (await this.readChangesNow())) return;
      await this.readWholeNow();
    });
  }

  /** Runs `read` after every read queued before it, whether those succeeded or not. */
  private enqueue(read: () => Promise<void>): Promise<void> {
    const run = this.queue.then(() => (this.stopped ? undefined : read()));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Reads plan_change above the applied revision and plan_revision in one statement (one
   * snapshot) and applies the rows; false when the log cannot take the plan there (planChangesFollow).
   */
  private async readChangesNow(): Promise<boolean> {
    const rows = await this.pg.query<PlanChangeRow & { head: string }>(READ_CHANGES, [
      this.appliedRevision,
      MAX_CHANGE_ROWS + 1,
    ]);
    this.readCounts.incremental++;
    const head = Number(rows[0]!.head);
    const changes = rows.filter((r) => r.revision !== null).map((r) => planChangeOf(r, canonicalCidr));
    const verdict = planChangesFollow(this.appliedRevision, head, changes, MAX_CHANGE_ROWS + 1);
    if (verdict === 'whole') return false;
    if (verdict === 'apply' && !this.stopped) {
      this.appliedRevision = head;
      this.applyDelta(this.plan.apply(changes));
    }
    return true;
  }

  /**
   * Reads the whole plan and its revision in one statement (one snapshot), and applies it as a
   * delta. Reads run one at a time, so a snapshot is never older than the plan applied, and one
   * of the same revision changes nothing; a lower revision means the database went back (a
   * restore) and is applied too: the database is the plan.
   */
  private async readWholeNow(): Promise<void> {
    const [row] = await this.pg.query<{ revision: string; pools: PlanPool[]; allocations: PlanAllocation[] }>(
      READ_PLAN,
    );
    this.readCounts.whole++;
    const { pools, allocations } = row!;
    const revision = Number(row!.revision);
    for (const p of [...pools, ...allocations]) p.cidr = canonicalCidr(p.cidr);
    if (this.stopped) return;
    this.wholeReadNeeded = false;
    if (revision === this.appliedRevision) return;
    this.appliedRevision = revision;
    this.applyDelta(this.plan.replace(pools, allocations));
  }

  /** Hands a delta to the lookup index and the validator, between two awaits (synchronously). */
  private applyDelta(delta: PlanDelta): void {
    this.lookup.applyPlan(delta);
    const inputs: ValidatorInput[] = [
      ...delta.allocationsRemoved.map((a): ValidatorInput => ({
        type: 'allocation-delete',
        id: String(a.id),
      })),
      ...delta.allocationsPut.map((a): ValidatorInput => ({
        type: 'allocation-upsert',
        allocation: { id: String(a.id), cluster: a.cluster, purpose: a.purpose, cidr: a.cidr },
      })),
    ];
    if (inputs.length > 0) this.validation.apply(inputs);
  }
}

/**
 * The plan revision the current transaction committed (or will): a write calls it in its
 * transaction, after its statements, and hands it to catchUp. The transaction's own UPDATE of
 * plan_revision holds the row, so no other writer's value can be read here.
 */
export async function planRevisionOf(sql: Sql): Promise<number> {
  const [row] = await sql.query<{ revision: string }>('SELECT revision FROM plan_revision');
  return Number(row!.revision);
}

function canonicalCidr(cidr: string): string {
  return formatPrefix(normalizePrefix(cidr));
}

const READ_PLAN = `
  SELECT (SELECT revision FROM plan_revision) AS revision,
         (SELECT coalesce(json_agg(json_build_object('name', name, 'cidr', cidr::text)), '[]') FROM pool) AS pools,
         (SELECT coalesce(json_agg(json_build_object(
                   'id', id, 'pool', pool, 'cluster', cluster, 'purpose', purpose, 'cidr', cidr::text)), '[]')
            FROM allocation) AS allocations`;

// plan_revision's one row joined to the log's rows above $1: the head and the changes in one
// snapshot (a row of NULLs when there are none).
const READ_CHANGES = `
  SELECT r.revision AS head, c.revision, c.ordinal, c.relation, c.op, c.pool, c.allocation_id,
         c.cluster, c.purpose, c.cidr::text AS cidr
    FROM plan_revision r
    LEFT JOIN LATERAL (SELECT * FROM plan_change WHERE revision > $1 ORDER BY revision, ordinal LIMIT $2) c ON true
   ORDER BY c.revision, c.ordinal`;
