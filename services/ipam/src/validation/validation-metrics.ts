import { Injectable } from '@nestjs/common';
import { ServiceMetrics } from '@isthmus/service-kit';
import { Counter, Gauge } from 'prom-client';
import { ValidationState } from './validation-state';

/**
 * Metrics of validation, on the service's registry (GET /metrics): what the verdicts are, how far
 * the feed is, and how the publisher fares. Verdict and conflict counts are read from the
 * validator at scrape time, so they can never drift from it.
 */
@Injectable()
export class ValidationMetrics {
  readonly feedEvents: Counter<never>;
  readonly feedLastApplied: Gauge<never>;
  readonly feedBacklog: Gauge<never>;
  readonly feedCaughtUp: Gauge<never>;
  readonly publishBatches: Counter<'result'>;
  readonly publishedMessages: Counter<'kind'>;
  readonly publishPending: Gauge<never>;
  readonly publisher: Gauge<never>;
  readonly takeovers: Counter<never>;

  constructor(metrics: ServiceMetrics, validation: ValidationState) {
    const registers = [metrics.registry];
    new Gauge({
      name: 'isthmus_ipam_block_verdicts',
      help: 'Pod blocks by verdict status (valid, conflict, outside-allocation), as this replica judges them',
      labelNames: ['status'] as const,
      registers,
      collect() {
        const counts = { valid: 0, conflict: 0, 'outside-allocation': 0 };
        for (const v of validation.verdicts()) counts[v.status]++;
        for (const [status, n] of Object.entries(counts)) this.set({ status }, n);
      },
    });
    new Gauge({
      name: 'isthmus_ipam_open_conflicts',
      help: 'Open conflicts between pod blocks, as this replica sees them',
      registers,
      collect() {
        this.set(validation.conflicts().length);
      },
    });
    this.feedEvents = new Counter({
      name: 'isthmus_ipam_feed_events_applied_total',
      help: 'Registry events applied to the validator and the lookup index',
      registers,
    });
    this.feedLastApplied = new Gauge({
      name: 'isthmus_ipam_feed_last_applied_timestamp_seconds',
      help: 'When the feed last applied a batch of registry events (Unix time)',
      registers,
    });
    this.feedBacklog = new Gauge({
      name: 'isthmus_ipam_feed_backlog',
      help: 'Registry events received and not yet applied',
      registers,
    });
    this.feedCaughtUp = new Gauge({
      name: 'isthmus_ipam_feed_caught_up',
      help: '1 once the feed has applied the whole registry stream and the address plan',
      registers,
    });
    this.publishBatches = new Counter({
      name: 'isthmus_ipam_publish_batches_total',
      help: 'Batches of verdict and conflict events published, by result (ok, error)',
      labelNames: ['result'] as const,
      registers,
    });
    this.publishedMessages = new Counter({
      name: 'isthmus_ipam_published_events_total',
      help: 'Verdict and conflict events stored in the IPAM stream, by kind',
      labelNames: ['kind'] as const,
      registers,
    });
    this.publishPending = new Gauge({
      name: 'isthmus_ipam_publish_pending',
      help: 'Verdict and conflict events waiting to be published (latest per subject)',
      registers,
    });
    this.publisher = new Gauge({
      name: 'isthmus_ipam_publisher',
      help: '1 while this replica is the one that publishes verdicts and records conflicts',
      registers,
    });
    this.takeovers = new Counter({
      name: 'isthmus_ipam_publisher_takeovers_total',
      help: 'Times this replica became the publisher (each republishes every verdict)',
      registers,
    });
  }
}
