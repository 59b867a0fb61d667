import { Injectable, Logger } from '@nestjs/common';
import { RegistryConfig } from '../config/config';
import { PgService, prismaSql, type Sql } from '@isthmus/service-kit';
import { PrismaService, type Tx } from '../db/prisma.service';
import { ClusterGoneError } from './cluster-gone-error';
import { RegistryMetrics } from '../metrics/registry-metrics';
import { changeIdentity, changeSubject, coalesce, type EntityChange } from './changes';
import { existingClusters, insertOutbox, lockClusters, writeChanges } from './entity-store';
import type { CommittedRow, OutboxRow } from './events';

export interface WriteResult {
  /** Changes this caller submitted. */
  submitted: number;
  /**
   * How many of the caller's entities really changed (new state or deleted), each with one
   * event in the outbox. Blocks deleted along with their node are not counted here.
   */
  changed: number;
}

/** What a dependent write (RegistryWriter.submitDependent) decided to write, after reading. */
export interface DependentWrite {
  /** The caller's own changes: what its WriteResult counts. */
  changes: readonly EntityChange[];
  /** Written with them but not counted, like the blocks deleted with their node. */
  derived?: readonly EntityChange[];
  /** Runs after the changes are written, in the same transaction. */
  afterWrite?: (sql: Sql) => Promise<void>;
}

type Plan = (sql: Sql) => Promise<DependentWrite>;

interface Job {
  changes: readonly EntityChange[];
  identities: Set<string>;
  /** A dependent write: read and planned inside its transaction, under exclusive cluster locks. */
  dependent?: { clusters: string[]; plan: Plan };
  resolve: (r: WriteResult) => void;
  reject: (e: unknown) => void;
}

/** The outbox rows a transaction wrote, called once it has committed. */
type CommitListener = (rows: readonly CommittedRow[]) => void;

/** Postgres errors after which the same transaction may simply be run again. */
const RETRYABLE = new Set(['40P01' /* deadlock_detected */, '40001' /* serialization_failure */]);
const MAX_ATTEMPTS = 5;
/**
 * Dependent writes at most in one transaction (group commit). Each runs its plan after the ones
 * before it, in its own savepoint: a group only saves the commits (one WAL flush instead of one
 * each), and a long group holds the clusters' locks longer, so it stays small.
 */
export const DEPENDENT_GROUP_MAX = 32;

/** Some of a group's clusters are gone: each job runs alone and fails or not on its own. */
class GroupFallback extends Error {}

/** What one plan wrote, in the transaction that has not committed yet. */
interface PlannedWrite {
  planned: DependentWrite;
  /** Its outbox rows, as the commit listeners get them. */
  rows: CommittedRow[];
  /** The subjects that got a new event. */
  written: Set<string>;
  /** Changes written, derived ones included (the writer_changes metric). */
  count: number;
}

/** One dependent job's fate inside its group's transaction. */
type JobOutcome = ({ ok: true } & PlannedWrite) | { ok: false; error: unknown };

/**
 * The registry's one writer (DESIGN.md, "Data flow" 1). Every change of nodes, blocks and
 * services goes through it: sources submit changes, the writer groups what is queued into
 * transactions of up to WRITER_MAX_BATCH changes, writes the outbox rows in the same
 * transactions, and wakes the relay.
 *
 * Up to WRITER_CONCURRENCY transactions run at once, but a batch never starts while one in
 * flight touches an entity it touches: what a source submits for one entity is committed in the
 * order it was submitted.
 */
@Injectable()
export class RegistryWriter {
  private readonly log = new Logger(RegistryWriter.name);
  private readonly queue: Job[] = [];
  private readonly inFlight = new Set<Set<string>>();
  private readonly listeners: CommitListener[] = [];

  constructor(
    private readonly prisma: PrismaService,
    private readonly pg: PgService,
    private readonly config: RegistryConfig,
    private readonly metrics: RegistryMetrics,
  ) {}

  /**
   * Called after every commit that wrote outbox rows, with those rows (the relay wakes up, and
   * keeps their payloads so as not to read them back). Not called for a commit whose outcome the
   * writer did not learn: the outbox, not this call, is the record of what must be published.
   */
  onCommit(listener: CommitListener): void {
    this.listeners.push(listener);
  }

  submit(changes: readonly EntityChange[]): Promise<WriteResult> {
    if (changes.length === 0) return Promise.resolve({ submitted: 0, changed: 0 });
    return new Promise((resolve, reject) => {
      this.queue.push({ changes, identities: new Set(changes.map(changeIdentity)), resolve, reject });
      this.pump();
    });
  }

  /**
   * A write whose changes depend on what is stored: `plan` reads what it needs with `sql` and
   * returns the changes, inside the transaction that writes them, which holds the clusters' locks
   * exclusively. No batch or other dependent write of those clusters, in this replica or another,
   * runs between the read and the commit. It runs alone, in queue order, within the writer's
   * concurrency (one pooled connection each), and a second one for the same cluster waits in the
   * queue rather than on the lock. The static API writes this way: a block's next hop is derived
   * from its node, and a change of the node re-derives it (docs/architecture.md, "Next hops").
   *
   * Consecutive dependent writes at the head of the queue share one transaction (up to
   * DEPENDENT_GROUP_MAX, group commit): each plans after the writes of those before it, in its
   * own savepoint, so one that throws is rolled back and rejected alone. Without it a client
   * sending one block per request got one commit at a time, 150–250 a second.
   */
  submitDependent(clusters: readonly string[], plan: Plan): Promise<WriteResult> {
    const sorted = [...new Set(clusters)].sort();
    return new Promise((resolve, reject) => {
      this.queue.push({
        changes: [],
        identities: new Set(sorted.map((c) => `cluster\u0000${c}`)),
        dependent: { clusters: sorted, plan },
        resolve,
        reject,
      });
      this.pump();
    });
  }

  /**
   * Runs `fn` in a Prisma transaction holding the given clusters' locks exclusively; the outbox
   * rows it returns are written in the same transaction. For cluster operations (create, patch,
   * delete): they wait for the cluster's batches in flight, and batches wait for them.
   */
  async inClusterTransaction<T>(
    clusters: readonly string[],
    fn: (tx: Tx, at: string) => Promise<{ result: T; events: OutboxRow[] }>,
  ): Promise<T> {
    const { result, events } = await this.prisma.$transaction(
      async (tx) => {
        await lockClusters(prismaSql(tx), [...clusters].sort(), 'exclusive');
        const out = await fn(tx, new Date().toISOString());
        await insertOutbox(prismaSql(tx), out.events);
        return out;
      },
      { timeout: 120_000, maxWait: 30_000 },
    );
    this.committed(events.map((e) => ({ id: e.id, subject: e.subject, data: Buffer.from(e.payload) })));
    return result;
  }

  /** Starts as many batches as concurrency and entity order allow. */
  private pump(): void {
    while (this.queue.length > 0 && this.inFlight.size < this.config.writerConcurrency) {
      const batch = this.takeBatch();
      if (!batch) return; // the head of the queue waits for an entity in flight
      const identities = new Set<string>();
      for (const job of batch) for (const id of job.identities) identities.add(id);
      this.inFlight.add(identities);
      void this.run(batch).finally(() => {
        this.inFlight.delete(identities);
        this.pump();
      });
    }
  }

  /** Jobs from the head of the queue, in order, that touch nothing in flight (null if the head does). */
  private takeBatch(): Job[] | null {
    const touchesInFlight = (job: Job) =>
      [...this.inFlight].some((busy) => [...job.identities].some((id) => busy.has(id)));
    const batch: Job[] = [];
    let size = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      // Dependent writes share a transaction only with other dependent writes (their entities are
      // known only once they have read, under the clusters' exclusive locks).
      if (batch.length > 0 && Boolean(next.dependent) !== Boolean(batch[0]!.dependent)) break;
      if (next.dependent && batch.length >= DEPENDENT_GROUP_MAX) break;
      if (batch.length > 0 && size + next.changes.length > this.config.writerMaxBatch) break;
      if (this.inFlight.size > 0 && touchesInFlight(next)) break;
      batch.push(this.queue.shift()!);
      size += next.changes.length;
    }
    return batch.length > 0 ? batch : null;
  }

  private async run(batch: Job[]): Promise<void> {
    const dependent = batch[0]!.dependent;
    if (dependent && batch.length > 1) return this.runGroup(batch);
    if (dependent) {
      try {
        const { written, planned } = await this.transact(dependent.clusters, 'exclusive', dependent.plan);
        batch[0]!.resolve(countChanged(planned.changes, written, this.config.subjectRoot));
      } catch (e) {
        batch[0]!.reject(e);
      }
      return;
    }
    try {
      const results = await this.writeBatch(batch.flatMap((j) => j.changes));
      for (const job of batch) job.resolve(results(job));
    } catch (e) {
      if (batch.length === 1) {
        batch[0]!.reject(e);
        return;
      }
      // One bad job must not fail the others that happened to share its transaction.
      this.log.warn(`batch of ${batch.length} jobs failed (${(e as Error).message}); retrying one by one`);
      for (const job of batch) {
        try {
          job.resolve((await this.writeBatch(job.changes))(job));
        } catch (err) {
          job.reject(err);
        }
      }
    }
  }

  /**
   * Dependent writes in one transaction, each in a savepoint. A job whose plan or writes throw is
   * rolled back to its savepoint and rejected with its own error; a deadlock or serialization
   * failure runs the whole group again. A failure outside the jobs (the commit, the connection)
   * rejects them all: their outcome is unknown, and the outbox is the record of what was written.
   */
  private async runGroup(jobs: Job[]): Promise<void> {
    const clusters = [...new Set(jobs.flatMap((j) => j.dependent!.clusters))].sort();
    let outcomes: JobOutcome[];
    try {
      outcomes = await this.retrying(() =>
        this.pg.transaction(async (sql) => {
          if (!(await this.lockExisting(sql, clusters, 'exclusive'))) throw new GroupFallback();
          const at = new Date().toISOString();
          const done: JobOutcome[] = [];
          for (const job of jobs) done.push(await this.inSavepoint(sql, job.dependent!.plan, at));
          return done;
        }),
      );
    } catch (e) {
      if (e instanceof GroupFallback) {
        for (const job of jobs) await this.run([job]);
        return;
      }
      for (const job of jobs) job.reject(e);
      return;
    }
    this.metrics.writerDependentGroup.observe(jobs.length);
    const rows = outcomes.flatMap((o) => (o.ok ? o.rows : []));
    this.metrics.writerChanges.inc(outcomes.reduce((n, o) => n + (o.ok ? o.count : 0), 0));
    this.committed(rows);
    outcomes.forEach((o, i) => {
      const job = jobs[i]!;
      if (o.ok) job.resolve(countChanged(o.planned.changes, o.written, this.config.subjectRoot));
      else job.reject(o.error);
    });
  }

  private async inSavepoint(sql: Sql, plan: Plan, at: string): Promise<JobOutcome> {
    await sql.execute('SAVEPOINT dependent_write');
    try {
      const write = await this.writePlanned(sql, plan, at);
      await sql.execute('RELEASE SAVEPOINT dependent_write');
      return { ok: true, ...write };
    } catch (error) {
      if (isRetryable(error)) throw error; // the whole group runs again
      // Rolled back and released: the next job's savepoint is not nested inside this one.
      await sql.execute('ROLLBACK TO SAVEPOINT dependent_write');
      await sql.execute('RELEASE SAVEPOINT dependent_write');
      return { ok: false, error };
    }
  }

  /** Holds the clusters' locks; false when one of them no longer exists. */
  private async lockExisting(sql: Sql, clusters: readonly string[], mode: 'shared' | 'exclusive') {
    await lockClusters(sql, clusters, mode);
    return (await existingClusters(sql, clusters)).size === clusters.length;
  }

  /** A plan's changes (derived ones too) written with their outbox rows, then its afterWrite. */
  private async writePlanned(sql: Sql, plan: Plan, at: string): Promise<PlannedWrite> {
    const planned = await plan(sql);
    const all = [...planned.changes, ...(planned.derived ?? [])];
    const rows = await writeChanges(sql, coalesce(all), at, this.config.subjectRoot);
    await planned.afterWrite?.(sql);
    return {
      planned,
      rows: rows.map((r) => ({ id: r.revision, subject: r.subject, data: r.data })),
      written: new Set(rows.map((r) => r.subject)),
      count: all.length,
    };
  }

  /** Runs `attempt` again after a deadlock or serialization failure (plan included). */
  private async retrying<T>(attempt: () => Promise<T>): Promise<T> {
    for (let n = 1; ; n++) {
      const end = this.metrics.writerBatchSeconds.startTimer();
      try {
        const out = await attempt();
        end();
        return out;
      } catch (e) {
        end();
        if (!isRetryable(e) || n >= MAX_ATTEMPTS) throw e;
        this.log.warn(`write batch hit ${(e as { code?: string }).code} (attempt ${n}); retrying`);
        await new Promise((r) => setTimeout(r, 10 * 2 ** n * Math.random()));
      }
    }
  }

  private async writeBatch(changes: readonly EntityChange[]): Promise<(job: Job) => WriteResult> {
    const { clusters } = coalesce(changes);
    const { written } = await this.transact(clusters, 'shared', async () => ({ changes }));
    return (job) => countChanged(job.changes, written, this.config.subjectRoot);
  }

  /**
   * One write transaction: the clusters' locks, the check that they all still exist, the plan's
   * changes written with their outbox rows, then its `afterWrite`. Deadlocks and serialization
   * failures run it again, plan included. Returns the subjects that got a new event.
   */
  private async transact(
    clusters: readonly string[],
    mode: 'shared' | 'exclusive',
    plan: Plan,
  ): Promise<{ written: Set<string>; planned: DependentWrite }> {
    const out = await this.retrying(() =>
      this.pg.transaction(async (sql) => {
        if (!(await this.lockExisting(sql, clusters, mode))) throw new ClusterGoneError();
        return this.writePlanned(sql, plan, new Date().toISOString());
      }),
    );
    this.metrics.writerChanges.inc(out.count);
    this.committed(out.rows);
    return { written: out.written, planned: out.planned };
  }

  private committed(rows: readonly CommittedRow[]): void {
    this.metrics.outboxWritten.inc(rows.length);
    if (rows.length > 0) for (const l of this.listeners) l(rows);
  }
}

function isRetryable(e: unknown): boolean {
  const code = (e as { code?: string } | undefined)?.code;
  return code !== undefined && RETRYABLE.has(code);
}

/** The caller's view of a write: its changes, and how many of their entities got a new event. */
function countChanged(
  changes: readonly EntityChange[],
  written: Set<string>,
  subjectRoot: string,
): WriteResult {
  let changed = 0;
  for (const s of new Set(changes.map((c) => changeSubject(c, subjectRoot)))) if (written.has(s)) changed++;
  return { submitted: changes.length, changed };
}
