import 'reflect-metadata';
import { runService } from '@isthmus/service-kit';
import { createIpamApp, ipamLogger } from './bootstrap';
import { IpamConfig } from './config/config';

runService({
  name: 'ipam',
  readConfig: () => IpamConfig.fromEnv(),
  logger: ipamLogger,
  createApp: (config, logger) => createIpamApp(config, { logger }),
});
