import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DatabaseSettings } from '@isthmus/service-kit';
import type { ClusterRoutingPolicy } from '../core';
import { SpeakerSettings } from '../config/routing-settings';
import { ConfigFeed, type ConfigListener } from '../db/config-feed';
import { routingPolicyOf, type ClusterPolicy } from './cluster-policy';
import { ClusterPolicyStore } from './cluster-policy-store';

/** The channel the cluster_policy table's trigger notifies on (migration 20261207160000_init). */
export const CLUSTER_POLICY_CHANNEL = 'routing_cluster_policy';

/**
 * Every cluster's routing policy, as every replica must have it: a PUT or DELETE through any
 * replica's API (or a tag assigned by any replica) reaches every replica's listeners, which
 * recompute the desired table, without a restart. Listeners get every policy, by cluster.
 */
@Injectable()
export class ClusterPoliciesFeed implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger(ClusterPoliciesFeed.name);
  private readonly feed: ConfigFeed<ClusterPolicy>;

  constructor(store: ClusterPolicyStore, database: DatabaseSettings, settings: SpeakerSettings) {
    this.feed = new ConfigFeed({
      what: 'cluster policies',
      databaseUrl: database.databaseUrl,
      channel: CLUSTER_POLICY_CHANNEL,
      read: async () => {
        const { revision, policies } = await store.snapshot();
        return { revision, items: policies };
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

  get loaded(): Promise<void> {
    return this.feed.loaded;
  }

  get revision(): number | undefined {
    return this.feed.revision;
  }

  /** The core's view of the policies as read last, by cluster id. */
  get policies(): ReadonlyMap<string, ClusterRoutingPolicy> {
    return new Map(this.feed.current.map((p) => [p.cluster, routingPolicyOf(p)]));
  }

  subscribe(listener: ConfigListener<ClusterPolicy>): () => void {
    return this.feed.subscribe(listener);
  }

  catchUp(): Promise<void> {
    return this.feed.catchUp();
  }
}
