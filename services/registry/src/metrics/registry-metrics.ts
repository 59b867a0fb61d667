import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of the registry, on a registry of its own (no global state between tests). */
@Injectable()
export class RegistryMetrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'isthmus_http_requests_total',
    help: 'HTTP requests by method, route and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpSeconds = new Histogram({
    name: 'isthmus_http_request_duration_seconds',
    help: 'HTTP request duration by method and route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });
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

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
