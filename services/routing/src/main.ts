import 'reflect-metadata';
import { runService } from '@isthmus/service-kit';
import { createRoutingApp, routingLogger } from './bootstrap';
import { RoutingConfig } from './config/config';

runService({
  name: 'routing',
  readConfig: () => RoutingConfig.fromEnv(),
  logger: routingLogger,
  createApp: (config, logger) => createRoutingApp(config, { logger }),
});
