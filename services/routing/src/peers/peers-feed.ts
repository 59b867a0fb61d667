import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DatabaseSettings } from '@isthmus/service-kit';
import { SpeakerSettings } from '../config/routing-settings';
import { ConfigFeed, type ConfigListener } from '../db/config-feed';
import type { Peer } from './peer';
import { PeerStore } from './peer-store';

/** The channel the peer table's trigger notifies on (migration 20261207160000_init). */
export const PEER_CHANNEL = 'routing_peer';

/**
 * The configured peers, as every replica must have them: a peer created, changed or removed
 * through any replica's API reaches every replica's listeners (the speaker) without a restart.
 * Listeners get the whole list (sorted by address, then port) on every change.
 */
@Injectable()
export class PeersFeed implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger(PeersFeed.name);
  private readonly feed: ConfigFeed<Peer>;

  constructor(store: PeerStore, database: DatabaseSettings, settings: SpeakerSettings) {
    this.feed = new ConfigFeed({
      what: 'peers',
      databaseUrl: database.databaseUrl,
      channel: PEER_CHANNEL,
      read: async () => {
        const { revision, peers } = await store.snapshot();
        return { revision, items: peers };
      },
      resyncMs: settings.configResyncMs,
      retryMs: Math.min(settings.configResyncMs, 1000),
      logger: this.log,
    });
  }

  onApplicationBootstrap(): void {
    this.feed.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.feed.stop();
  }

  get isLoaded(): boolean {
    return this.feed.isLoaded;
  }

  /** Resolves after the first read of the table. */
  get loaded(): Promise<void> {
    return this.feed.loaded;
  }

  get peers(): readonly Peer[] {
    return this.feed.current;
  }

  get revision(): number | undefined {
    return this.feed.revision;
  }

  /** Called with every peer whenever one changes, and at once when the table was read already. */
  subscribe(listener: ConfigListener<Peer>): () => void {
    return this.feed.subscribe(listener);
  }

  /** Read-your-writes for this replica's API (ConfigFeed.catchUp). */
  catchUp(): Promise<void> {
    return this.feed.catchUp();
  }
}
