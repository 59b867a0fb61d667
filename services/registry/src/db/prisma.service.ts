import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';
import { RegistryConfig } from '../config/config';

/** The registry's database client (Prisma 7, pg driver adapter). */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleDestroy {
  constructor(config: RegistryConfig) {
    super({ adapter: new PrismaPg({ connectionString: config.databaseUrl, max: config.databasePoolSize }) });
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
  }
}

export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];
