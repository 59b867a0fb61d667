/**
 * What a service's readiness depends on: each check's name and whether it answers now. A service
 * provides its own subclass (its database, its NATS connection...); HealthController serves it.
 */
export abstract class Readiness {
  abstract check(): Promise<Record<string, boolean>>;
}

/** True when `probe` resolves; a rejection means the dependency does not answer. */
export function answers(probe: () => Promise<unknown>): Promise<boolean> {
  return probe().then(
    () => true,
    () => false,
  );
}
