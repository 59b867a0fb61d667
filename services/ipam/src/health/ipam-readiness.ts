import { Injectable } from '@nestjs/common';
import { answers, PgService, Readiness } from '@isthmus/service-kit';

/** The address plan needs only its database (no NATS yet: it publishes nothing so far). */
@Injectable()
export class IpamReadiness extends Readiness {
  constructor(private readonly pg: PgService) {
    super();
  }

  async check(): Promise<Record<string, boolean>> {
    return { postgres: await answers(() => this.pg.query('SELECT 1')) };
  }
}
