import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../auth/auth.guard';
import { PrismaService } from '../db/prisma.service';
import { BusService } from '../outbox/bus.service';

/**
 * Liveness says the process serves HTTP; readiness says its dependencies answer. The registry
 * still takes writes while NATS is away (they wait in the outbox), but a load balancer should
 * prefer a replica that can also publish.
 */
@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(
    private readonly prisma: PrismaService,
    private readonly bus: BusService,
  ) {}

  @Public()
  @Get('healthz')
  @HttpCode(200)
  healthz() {
    return { status: 'ok' };
  }

  @Public()
  @Get('readyz')
  async readyz(@Res({ passthrough: true }) res: Response) {
    const [postgres, nats] = await Promise.all([
      this.prisma.$queryRawUnsafe('SELECT 1').then(
        () => true,
        () => false,
      ),
      this.bus.ping(),
    ]);
    const checks = { postgres: postgres ? 'ok' : 'unavailable', nats: nats ? 'ok' : 'unavailable' };
    if (!postgres || !nats) {
      res.status(503);
      return { status: 'unavailable', checks };
    }
    return { status: 'ok', checks };
  }
}
