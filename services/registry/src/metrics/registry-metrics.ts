import { Injectable } from '@nestjs/common';
import { ServiceMetrics } from '@isthmus/service-kit';
import { Counter, Gauge, Histogram } from 'prom-client';

/** Prometheus metrics of the registry: the HTTP and runtime ones every service has, and its own. */
@Injectable()
export class RegistryMetrics extends ServiceMetrics {
  readonly writerChanges = new Counter({
    name: 'isthmus_registry_writer_changes_total',
    help: 'Entity changes submitted to the writer',
    registers: [this.registry],
  });
  readonly writerBatchSeconds = new Histogram({
    name: 'isthmus_registry_writer_batch_duration_seconds',
    help: 'Time to commit one writer batch',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly outboxWritten = new Counter({
    name: 'isthmus_registry_outbox_written_total',
    help: 'Events written to the outbox (state changes and tombstones)',
    registers: [this.registry],
  });
  readonly outboxPublished = new Counter({
    name: 'isthmus_registry_outbox_published_total',
    help: 'Outbox events published to JetStream (stored, or acknowledged as duplicates)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly outboxPending = new Gauge({
    name: 'isthmus_registry_outbox_pending',
    help: 'Outbox rows not yet published, as of the relay’s last look',
    registers: [this.registry],
  });
  readonly relayRoundSeconds = new Histogram({
    name: 'isthmus_registry_relay_round_duration_seconds',
    help: 'Time of one relay round (read, publish, await acks, delete, commit)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly streamResyncs = new Counter({
    name: 'isthmus_registry_stream_resyncs_total',
    help: 'Times the stream was found missing and the whole registry state was re-published',
    registers: [this.registry],
  });
  readonly relayErrors = new Counter({
    name: 'isthmus_registry_relay_errors_total',
    help: 'Relay rounds that failed (NATS or database unavailable); the round is retried',
    registers: [this.registry],
  });
}
