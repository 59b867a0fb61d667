import { Injectable } from '@nestjs/common';
import { ServiceMetrics } from '@isthmus/service-kit';
import { Counter } from 'prom-client';

/** Prometheus metrics of the ipam service: the HTTP and runtime ones every service has, and its own. */
@Injectable()
export class IpamMetrics extends ServiceMetrics {
  readonly allocationRequests = new Counter({
    name: 'isthmus_ipam_allocation_requests_total',
    help: 'Allocation requests by mode (explicit cidr or next free) and result',
    labelNames: ['mode', 'result'] as const,
    registers: [this.registry],
  });
  readonly allocationRetries = new Counter({
    name: 'isthmus_ipam_allocation_retries_total',
    help: 'Next-free searches repeated because a concurrent allocation took the block first',
    registers: [this.registry],
  });
}
