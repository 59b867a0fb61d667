import { z } from 'zod';
import { DEFAULT_IPAM_STREAM, DEFAULT_REGISTRY_STREAM, DEFAULT_SUBJECT_ROOT } from '@isthmus/contracts';
import { envPart } from '@isthmus/service-kit';

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
  },
  (e) => ({
    subjectRoot: e.ISTHMUS_SUBJECT_ROOT,
    registryStream: e.ISTHMUS_REGISTRY_STREAM,
    ipamStream: e.ISTHMUS_IPAM_STREAM,
  }),
);
