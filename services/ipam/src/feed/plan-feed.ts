import { Injectable, Logger } from '@nestjs/common';
import { PgService } from '@isthmus/service-kit';
import { formatPrefix, normalizePrefix, type ClusterAllocation, type ValidatorInput } from '../core';
import { LookupIndex, type PlanAllocation, type PlanPool } from '../lookup/lookup-index';
import { ValidationSettings } from '../validation/validation-settings';
import { ValidationState } from '../validation/validation-state';
import { PlanListener } from './plan-listener';

/** The channel the triggers of the pool and allocation tables notify on (see the migration). */
export const PLAN_CHANNEL = 'ipam_plan';

/**
 * Keeps the validator's allocations and the lookup's pools and allocations equal to the address
 * plan in the database, level-based: on every signal (a NOTIFY from the tables' triggers, or a
 * new listening connection) it re-reads the whole plan and applies the difference. A plan is a
 * few allocations per cluster, so a whole read is cheap, and it cannot miss or misorder a change.
 * Signals that arrive during a read make one more read after it. A write through this replica's
 * API reads the plan itself before it answers (catchUp: read-your-writes); plan_revision orders
 * the two paths.
 */
@Injectable()
export class PlanFeed {
  private readonly log = new Logger(PlanFeed.name);
  private readonly listener: PlanListener;
  private readonly known = new Map<string, ClusterAllocation>();
  private reading: Promise<void> | undefined;
  private again = false;
  private retryNow: (() => void) | undefined;
  private stopped = false;
  private appliedRevision = 0;
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
    this.listener = new PlanListener({
      databaseUrl: settings.databaseUrl,
      channel: PLAN_CHANNEL,
      retryMs: Math.min(settings.publisherRetryMs, 2000),
      logger: this.log,
      onSignal: () => this.signal(),
    });
  }

  start(): void {
    this.listener.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.retryNow?.();
    await this.listener.stop();
    await this.reading;
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
        await this.readOnce();
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

  /**
   * Read-your-writes: called by a write through this replica's API once it committed, before it
   * answers, so that a lookup or a verdict right after the answer already reflects it, whenever
   * the notification gets here. A read of its own: a read in progress may have started before the
   * commit. Ordering against the notification path is the plan revision's (readOnce). A failure
   * is not the write's: the notification path catches up, so it is only logged.
   */
  async catchUp(): Promise<void> {
    try {
      await this.readOnce();
    } catch (e) {
      this.log.warn(`reading the address plan after a write failed: ${(e as Error).message}`);
    }
  }

  /** The revision of the plan applied last (plan_revision; 0 before the first read). */
  get revision(): number {
    return this.appliedRevision;
  }

  /**
   * Reads the whole plan and its revision in one statement (one snapshot), and applies it unless
   * a read of a later (or the same) revision was applied already: reads may finish out of order.
   */
  private async readOnce(): Promise<void> {
    const [row] = await this.pg.query<{ revision: bigint; pools: PlanPool[]; allocations: PlanAllocation[] }>(
      READ_PLAN,
    );
    const { pools, allocations } = row!;
    const revision = Number(row!.revision);
    for (const p of [...pools, ...allocations]) p.cidr = formatPrefix(normalizePrefix(p.cidr));
    if (this.stopped || revision <= this.appliedRevision) return;
    this.appliedRevision = revision;
    this.lookup.setPlan(pools, allocations);
    this.validation.apply(this.differences(allocations));
  }

  /** Validator inputs that take it from the allocations it has to these. */
  private differences(allocations: readonly PlanAllocation[]): ValidatorInput[] {
    const inputs: ValidatorInput[] = [];
    const current = new Set<string>();
    for (const a of allocations) {
      const allocation: ClusterAllocation = {
        id: String(a.id),
        cluster: a.cluster,
        purpose: a.purpose,
        cidr: a.cidr,
      };
      current.add(allocation.id);
      const before = this.known.get(allocation.id);
      if (before && before.cluster === a.cluster && before.purpose === a.purpose && before.cidr === a.cidr)
        continue;
      this.known.set(allocation.id, allocation);
      inputs.push({ type: 'allocation-upsert', allocation });
    }
    for (const id of [...this.known.keys()]) {
      if (current.has(id)) continue;
      this.known.delete(id);
      inputs.push({ type: 'allocation-delete', id });
    }
    return inputs;
  }
}

const READ_PLAN = `
  SELECT (SELECT revision FROM plan_revision) AS revision,
         (SELECT coalesce(json_agg(json_build_object('name', name, 'cidr', cidr::text)), '[]') FROM pool) AS pools,
         (SELECT coalesce(json_agg(json_build_object(
                   'id', id, 'pool', pool, 'cluster', cluster, 'purpose', purpose, 'cidr', cidr::text)), '[]')
            FROM allocation) AS allocations`;
