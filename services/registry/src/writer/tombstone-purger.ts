import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { RegistryConfig } from '../config/config';
import { PgService } from '@isthmus/service-kit';
import { purgeTombstones } from './entity-store';

/** Removes soft-deleted entity rows once their tombstones are older than the retention. */
@Injectable()
export class TombstonePurger implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(TombstonePurger.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly pg: PgService,
    private readonly config: RegistryConfig,
  ) {}

  onApplicationBootstrap(): void {
    const every = Math.min(60_000, this.config.tombstoneRetentionMs / 2);
    this.timer = setInterval(() => {
      this.running ??= this.purgeOnce().finally(() => (this.running = undefined));
    }, every);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  async purgeOnce(now = new Date()): Promise<number> {
    try {
      const olderThan = new Date(now.getTime() - this.config.tombstoneRetentionMs);
      const purged = await this.pg.transaction((sql) => purgeTombstones(sql, olderThan));
      if (purged > 0) this.log.log(`purged ${purged} deleted entities older than ${olderThan.toISOString()}`);
      return purged;
    } catch (e) {
      // The database may be restarting: the next round tries again.
      this.log.warn(`tombstone purge failed: ${(e as Error).message}`);
      return 0;
    }
  }
}
