import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { registryEvents, StateConsumer } from '@isthmus/bus';
import { registrySubjects, type RegistryEvent } from '@isthmus/contracts';
import { LookupIndex } from '../lookup/lookup-index';
import { ValidationMetrics } from '../validation/validation-metrics';
import { ValidationSettings } from '../validation/validation-settings';
import { ValidationState } from '../validation/validation-state';
import { FeedIntake } from './feed-intake';
import { FirstSeenStore } from './first-seen-store';
import { IpamBus } from './ipam-bus';
import { PlanFeed } from './plan-feed';

/**
 * Follows the registry's stream (DESIGN.md, "Data flow" 4): pod blocks into the validator,
 * blocks, services (their endpoints) and nodes into the lookup index, and, beside it, the address
 * plan from the database (PlanFeed).
 *
 * Every replica keeps its whole state in memory, so its consumer replays the whole stream at
 * every start (replay 'full', a durable name per replica). It is ready once the replay is applied
 * and the plan read: until then its verdicts and lookups would be partial.
 */
@Injectable()
export class RegistryFeed implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger(RegistryFeed.name);
  private readonly intake: FeedIntake;
  private consumer: StateConsumer<RegistryEvent> | undefined;
  private stopped = false;
  private caughtUp = false;
  private settleReady!: () => void;
  /** Resolves once the feed has caught up: the registry replay applied and the plan read. */
  readonly ready: Promise<void>;

  constructor(
    private readonly bus: IpamBus,
    private readonly settings: ValidationSettings,
    private readonly plan: PlanFeed,
    private readonly metrics: ValidationMetrics,
    firstSeen: FirstSeenStore,
    validation: ValidationState,
    lookup: LookupIndex,
  ) {
    this.ready = new Promise((resolve) => (this.settleReady = resolve));
    this.intake = new FeedIntake(firstSeen, validation, lookup, {
      batchSize: settings.feedBatchSize,
      highWater: Math.max(10_000, settings.feedBatchSize * 4),
      retryMs: Math.min(settings.publisherRetryMs, 2000),
      logger: this.log,
      onApplied: (n) => {
        metrics.feedEvents.inc(n);
        metrics.feedLastApplied.set(Date.now() / 1000);
        metrics.feedBacklog.set(this.intake.backlog);
      },
    });
  }

  get isCaughtUp(): boolean {
    return this.caughtUp;
  }

  onApplicationBootstrap(): void {
    this.plan.start();
    this.intake.start();
    void this.follow().catch((e: unknown) => {
      if (!this.stopped) this.log.error(`the registry feed stopped: ${(e as Error).message}`);
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    // Together: a consumer waiting for room in the intake is let go by the intake's stop.
    // follow() is not awaited: it may be waiting for a plan that a database down never delivers.
    await Promise.all([this.consumer?.stop(), this.intake.stop(), this.plan.stop()]);
  }

  private async follow(): Promise<void> {
    const nc = await this.bus.connection();
    if (this.stopped) return;
    const root = this.settings.subjectRoot;
    this.consumer = new StateConsumer<RegistryEvent>({
      nc,
      stream: this.settings.registryStream,
      durableName: this.settings.feedDurableName,
      filterSubject: registrySubjects(root).all.registry,
      ...registryEvents(root),
      apply: (_subject, event) => this.intake.push(event),
      replay: 'full',
      logger: this.log,
    });
    await this.consumer.start();
    await this.consumer.caughtUp;
    await this.plan.loaded;
    await this.intake.idle();
    this.caughtUp = true;
    this.metrics.feedCaughtUp.set(1);
    this.log.log(`caught up with the registry: ${this.consumer.stats().subjects} subjects`);
    this.settleReady();
  }
}
