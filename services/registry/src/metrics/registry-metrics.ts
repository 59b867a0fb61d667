import { Injectable } from '@nestjs/common';
import { ServiceMetrics } from '@isthmus/service-kit';
import type { BusConnection, BusPublisher } from '@isthmus/bus';
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
  readonly writerDependentGroup = new Histogram({
    name: 'isthmus_registry_writer_dependent_group_size',
    help: 'Dependent writes (static inventory changes) committed together in one transaction, for groups of two or more',
    buckets: [2, 4, 8, 16, 32],
    registers: [this.registry],
  });
  readonly outboxRead = new Counter({
    name: 'isthmus_registry_outbox_read_total',
    help:
      'Outbox payloads the relay read back from PostgreSQL because it did not have them in memory ' +
      '(written by another replica or before a restart, re-enqueued, or beyond RELAY_HANDOFF_MAX)',
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
  readonly streamRebuilds = new Counter({
    name: 'isthmus_registry_stream_rebuilds_total',
    help: 'Times the stream refused every write with a store failure for RELAY_STREAM_REBUILD_AFTER_MS and was deleted and rebuilt',
    registers: [this.registry],
  });
  readonly relayErrors = new Counter({
    name: 'isthmus_registry_relay_errors_total',
    help: 'Relay rounds that failed (NATS or database unavailable); the round is retried',
    registers: [this.registry],
  });
  readonly relayPublishAttempts = new Histogram({
    name: 'isthmus_registry_relay_publish_attempts',
    help: 'Publish attempts a relay round needed until its batch was stored (1: no retry)',
    buckets: [1, 2, 3, 5, 10, 20],
    registers: [this.registry],
  });
  private bus?: { connection: BusConnection; publisher: BusPublisher };

  constructor() {
    super();
    const bus = () => this.bus;
    new Gauge({
      name: 'isthmus_registry_nats_connected',
      help: '1 while the NATS connection is up, 0 while it is down or reconnecting',
      registers: [this.registry],
      collect() {
        this.set(bus()?.connection.connected ? 1 : 0);
      },
    });
    new Gauge({
      name: 'isthmus_registry_nats_reconnects',
      help: 'Times the NATS connection came back after it dropped, since start',
      registers: [this.registry],
      collect() {
        this.set(bus()?.connection.reconnects ?? 0);
      },
    });
    new Gauge({
      name: 'isthmus_registry_publish_attempt_failures',
      help: 'Publish attempts that failed since start, by reason (each was retried or ended its round)',
      labelNames: ['reason'] as const,
      registers: [this.registry],
      collect() {
        const failures = bus()?.publisher.stats().failures;
        for (const [reason, n] of Object.entries(failures ?? {})) this.set({ reason }, n as number);
      },
    });
  }

  /** The connection and publisher whose state the NATS gauges report. */
  observeBus(connection: BusConnection, publisher: BusPublisher): void {
    this.bus = { connection, publisher };
  }
}
