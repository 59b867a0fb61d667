import 'reflect-metadata';
import { runService } from '@isthmus/service-kit';
import { createRegistryApp, registryLogger } from './bootstrap';
import { RegistryConfig } from './config/config';

runService({
  name: 'registry',
  readConfig: () => RegistryConfig.fromEnv(),
  logger: registryLogger,
  createApp: (config, logger) => createRegistryApp(config, { logger }),
});
