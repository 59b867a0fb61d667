import { z } from 'zod';
import { envPart } from '../config/env-part';

export const LOG_LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export abstract class LogSettings {
  abstract readonly logLevel: LogLevel;
  abstract readonly logFormat: 'json' | 'text';
}

export const logEnv = envPart(
  {
    LOG_LEVEL: z.enum(LOG_LEVELS).default('log'),
    LOG_FORMAT: z.enum(['json', 'text']).default('json'),
  },
  (e): LogSettings => ({ logLevel: e.LOG_LEVEL, logFormat: e.LOG_FORMAT }),
);
