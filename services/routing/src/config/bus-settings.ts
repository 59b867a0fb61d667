import { hostname } from 'node:os';
import { z } from 'zod';
import {
  DEFAULT_IPAM_STREAM,
  DEFAULT_REGISTRY_STREAM,
  DEFAULT_ROUTING_STREAM,
  DEFAULT_SUBJECT_ROOT,
} from '@isthmus/contracts';
import { envInt, envPart } from '@isthmus/service-kit';

const TOKEN = /^[A-Za-z0-9_-]+$/;
const streamName = (fallback: string) =>
  z
    .string()
    .regex(TOKEN, { message: 'must be a JetStream stream name: letters, digits, "_" or "-"' })
    .default(fallback);

/**
 * The streams routing follows: the registry's (clusters, pod blocks) and the IPAM's (verdicts).
 * The same variables as the ipam service's, so one deployment sets them once for both.
 */
export const routingBusEnv = envPart(
  {
    ISTHMUS_SUBJECT_ROOT: z
      .string()
      .regex(TOKEN, { message: 'must be one NATS token: letters, digits, "_" or "-"' })
      .default(DEFAULT_SUBJECT_ROOT),
    ISTHMUS_REGISTRY_STREAM: streamName(DEFAULT_REGISTRY_STREAM),
    ISTHMUS_IPAM_STREAM: streamName(DEFAULT_IPAM_STREAM),
    /** Where routing's own events go (peer state changes). */
    ISTHMUS_ROUTING_STREAM: streamName(DEFAULT_ROUTING_STREAM),
    ISTHMUS_STREAM_REPLICAS: envInt(1, 5).default(1),
    // Each replica replays the streams in full at start, through durables of its own.
    FEED_DURABLE_NAME: z
      .string()
      .regex(TOKEN, { message: 'must be a consumer name: letters, digits, "_" or "-"' })
      .optional(),
  },
  (e) => ({
    subjectRoot: e.ISTHMUS_SUBJECT_ROOT,
    registryStream: e.ISTHMUS_REGISTRY_STREAM,
    ipamStream: e.ISTHMUS_IPAM_STREAM,
    routingStream: e.ISTHMUS_ROUTING_STREAM,
    streamReplicas: e.ISTHMUS_STREAM_REPLICAS,
    feedDurableName:
      e.FEED_DURABLE_NAME ?? `routing-${hostname()}-${process.pid}`.replace(/[^A-Za-z0-9_-]/g, '_'),
  }),
);
