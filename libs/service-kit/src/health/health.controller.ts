import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../auth/auth.guard';
import { Readiness } from './readiness';

/**
 * Liveness says the process serves HTTP; readiness says its dependencies answer (503 with each
 * check's result when one does not, so a load balancer prefers another replica).
 */
@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(private readonly readiness: Readiness) {}

  @Public()
  @Get('healthz')
  @HttpCode(200)
  healthz() {
    return { status: 'ok' };
  }

  @Public()
  @Get('readyz')
  async readyz(@Res({ passthrough: true }) res: Response) {
    const results = await this.readiness.check();
    const checks = Object.fromEntries(
      Object.entries(results).map(([name, ok]) => [name, ok ? 'ok' : 'unavailable']),
    );
    if (Object.values(results).some((ok) => !ok)) {
      res.status(503);
      return { status: 'unavailable', checks };
    }
    return { status: 'ok', checks };
  }
}
