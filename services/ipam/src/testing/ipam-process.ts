import path from 'node:path';
import { spawnService, type ServiceProcess } from '@isthmus/testing';

export const IPAM_MAIN = path.resolve(__dirname, '../../dist/main.js');

export type IpamProcess = ServiceProcess;

/**
 * Runs the built service as a child process: several of them on one database are the replicas
 * of a deployment. The environment comes from ipamEnv().
 */
export function spawnIpam(
  env: Record<string, string>,
  opts: { startTimeoutMs?: number } = {},
): Promise<IpamProcess> {
  return spawnService('ipam', IPAM_MAIN, env, opts);
}
