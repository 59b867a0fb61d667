import { ConsoleLogger } from '@nestjs/common';
import { LOG_LEVELS, type LogSettings } from './log-settings';

/**
 * The structured logger of a service: one JSON object per line in production (LOG_FORMAT=json),
 * coloured text for a developer; `service` is the context of every line that names no other.
 */
export function serviceLogger(service: string, settings: LogSettings): ConsoleLogger {
  return new ConsoleLogger(service, {
    json: settings.logFormat === 'json',
    colors: settings.logFormat === 'text',
    logLevels: LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(settings.logLevel) + 1) as never,
  });
}
