import { z } from 'zod';
import { envPart } from '../config/env-part';
import { envInt } from '../config/env-values';

export abstract class HttpSettings {
  abstract readonly httpHost: string;
  abstract readonly httpPort: number;
}

/**
 * Every service reads the same two variables (each process has its own environment); only the
 * default port differs, so that all services can run side by side on one machine.
 */
export const httpEnv = (defaultPort: number) =>
  envPart(
    {
      HTTP_HOST: z.string().min(1).default('0.0.0.0'),
      HTTP_PORT: envInt(0, 65535).default(defaultPort),
    },
    (e): HttpSettings => ({ httpHost: e.HTTP_HOST, httpPort: e.HTTP_PORT }),
  );
