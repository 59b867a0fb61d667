import { hostname } from 'node:os';
import { z } from 'zod';
import { DEFAULT_IPAM_STREAM, DEFAULT_REGISTRY_STREAM, DEFAULT_SUBJECT_ROOT } from '@isthmus/contracts';
import { envInt, envPart, NatsSettings } from '@isthmus/service-kit';

/**
 * What validation needs: the bus, the registry stream it follows, the IPAM stream it publishes
 * to, and the pace of the feed and the publisher. A Nest provider token; the service's config
 * object provides it (like service-kit's DatabaseSettings).
 */
export abstract class ValidationSettings extends NatsSettings {
  abstract readonly databaseUrl: string;
  abstract readonly subjectRoot: string;
  abstract readonly registryStream: string;
  abstract readonly ipamStream: string;
  abstract readonly streamReplicas: number;
  abstract readonly duplicateWindowMs: number;
  /** The registry consumer's durable name: each replica its own (it replays the whole stream at start). */
  abstract readonly feedDurableName: string;
  abstract readonly feedBatchSize: number;
  abstract readonly publishBatchSize: number;
  /** How often a replica that does not publish tries to take over, and the publisher's retry pause. */
  abstract readonly publisherRetryMs: number;
  /** How often the publisher checks that the IPAM stream still exists (a server that lost its store). */
  abstract readonly streamCheckIntervalMs: number;
  /** How long plan_change rows are kept: a replica further behind than this reads the plan whole. */
  abstract readonly planChangeRetentionMs: number;
}

const TOKEN = /^[A-Za-z0-9_-]+$/;

/** Consumer names may not contain ".", "*", ">" or whitespace; host names often have dots. */
function defaultDurableName(): string {
  return `ipam-${hostname()}-${process.pid}`.replace(/[^A-Za-z0-9_-]/g, '_');
}

export const validationEnv = envPart(
  {
    ISTHMUS_SUBJECT_ROOT: z
      .string()
      .regex(TOKEN, { message: 'must be one NATS token: letters, digits, "_" or "-"' })
      .default(DEFAULT_SUBJECT_ROOT),
    ISTHMUS_REGISTRY_STREAM: z
      .string()
      .regex(TOKEN, { message: 'must be a JetStream stream name: letters, digits, "_" or "-"' })
      .default(DEFAULT_REGISTRY_STREAM),
    ISTHMUS_IPAM_STREAM: z
      .string()
      .regex(TOKEN, { message: 'must be a JetStream stream name: letters, digits, "_" or "-"' })
      .default(DEFAULT_IPAM_STREAM),
    ISTHMUS_STREAM_REPLICAS: envInt(1, 5).default(1),
    ISTHMUS_DUPLICATE_WINDOW_MS: envInt(1000, 86_400_000).default(120_000),
    FEED_DURABLE_NAME: z
      .string()
      .regex(TOKEN, { message: 'must be a consumer name: letters, digits, "_" or "-"' })
      .optional(),
    FEED_BATCH_SIZE: envInt(1, 50_000).default(2000),
    PUBLISH_BATCH_SIZE: envInt(1, 50_000).default(2000),
    PUBLISHER_RETRY_MS: envInt(50, 600_000).default(2000),
    IPAM_STREAM_CHECK_INTERVAL_MS: envInt(100, 3_600_000).default(30_000),
    // Long enough for a replica that lost its LISTEN connection for a while to catch up from the
    // log; the whole read it falls back to beyond it is correct, only slower.
    PLAN_CHANGE_RETENTION_MS: envInt(1000, 86_400_000).default(600_000),
  },
  (e) => ({
    subjectRoot: e.ISTHMUS_SUBJECT_ROOT,
    registryStream: e.ISTHMUS_REGISTRY_STREAM,
    ipamStream: e.ISTHMUS_IPAM_STREAM,
    streamReplicas: e.ISTHMUS_STREAM_REPLICAS,
    duplicateWindowMs: e.ISTHMUS_DUPLICATE_WINDOW_MS,
    feedDurableName: e.FEED_DURABLE_NAME ?? defaultDurableName(),
    feedBatchSize: e.FEED_BATCH_SIZE,
    publishBatchSize: e.PUBLISH_BATCH_SIZE,
    publisherRetryMs: e.PUBLISHER_RETRY_MS,
    streamCheckIntervalMs: e.IPAM_STREAM_CHECK_INTERVAL_MS,
    planChangeRetentionMs: e.PLAN_CHANGE_RETENTION_MS,
  }),
  (s) =>
    s.registryStream === s.ipamStream
      ? [
          {
            variable: 'ISTHMUS_IPAM_STREAM',
            message: 'must differ from ISTHMUS_REGISTRY_STREAM: the IPAM publishes into a stream of its own',
          },
        ]
      : [],
);
