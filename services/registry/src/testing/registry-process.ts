import path from 'node:path';
import { spawnService, type ServiceProcess } from '@isthmus/testing';

export const REGISTRY_MAIN = path.resolve(__dirname, '../../dist/main.js');

export type RegistryProcess = ServiceProcess;

/**
 * Runs the built registry as a child process, for tests that kill it. The environment comes
 * from registryEnv(); logs at level "log", so a failing test can show what the process did.
 */
export function spawnRegistry(
  env: Record<string, string>,
  opts: { startTimeoutMs?: number } = {},
): Promise<RegistryProcess> {
  return spawnService('registry', REGISTRY_MAIN, { ...env, LOG_LEVEL: 'log' }, opts);
}
