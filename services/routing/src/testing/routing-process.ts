import path from 'node:path';
import { spawnService, type ServiceProcess } from '@isthmus/testing';

export const ROUTING_MAIN = path.resolve(__dirname, '../../dist/main.js');

export type RoutingProcess = ServiceProcess;

/**
 * Runs the built service as a child process, for tests that SIGKILL a replica; several on one
 * database are the replicas of a deployment. The environment comes from routingEnv().
 */
export function spawnRouting(
  env: Record<string, string>,
  opts: { startTimeoutMs?: number } = {},
): Promise<RoutingProcess> {
  return spawnService('routing', ROUTING_MAIN, env, opts);
}
