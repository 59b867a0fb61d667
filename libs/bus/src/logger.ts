/**
 * The logging the bus needs: a subset of NestJS's LoggerService ({ log, warn, error }), so a
 * Nest `Logger` can be passed as is; `console` fits too.
 */
export interface BusLogger {
  log(message: string, context?: string): void;
  warn(message: string, context?: string): void;
  error(message: string, context?: string): void;
}

/** Used when no logger is given: the bus never writes to the console on its own. */
export const silentLogger: BusLogger = {
  log: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? ` (cause: ${err.cause.message})` : '';
    return `${err.name}: ${err.message}${cause}`;
  }
  return String(err);
}
