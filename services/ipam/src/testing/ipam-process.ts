import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { freePort, pollUntil } from '@isthmus/testing';
import {} from './ipam-harness';

const SERVICE_ROOT = path.resolve(__dirname, '../..');
export const IPAM_MAIN = path.join(SERVICE_ROOT, 'dist/main.js');

export interface IpamProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Runs the built service (`npm run build`) as a child process: several of them on one database
 * are the replicas of a deployment. The environment comes from ipamEnv(); the port is chosen here.
 */
export async function spawnIpam(env: Record<string, string>): Promise<IpamProcess> {
  if (!existsSync(IPAM_MAIN)) {
    throw new Error(`${IPAM_MAIN} is missing: run "npm run build" first (npm test does it in pretest)`);
  }
  const port = await freePort();
  const child = spawn(process.execPath, [IPAM_MAIN], {
    env: { ...process.env, ...env, HTTP_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    await pollUntil(
      'the ipam process to serve /healthz',
      async () => {
        if (child.exitCode !== null) throw new Error(`ipam exited with ${child.exitCode}:\n${out}`);
        return (await fetch(`${url}/healthz`)).ok;
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, child, output: () => out, stop };
}
