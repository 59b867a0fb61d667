import { spawn, type ChildProcess } from 'node:child_process';

import { existsSync } from 'node:fs';

import path from 'node:path';
import { freePort, pollUntil } from '@isthmus/testing';

const SERVICE_ROOT = path.resolve(__dirname, '../..');
export const REGISTRY_MAIN = path.join(SERVICE_ROOT, 'dist/main.js');

export interface RegistryProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** SIGKILL: no shutdown hook runs, nothing is flushed. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Runs the built registry (`npm run build`) as a child process, for tests that kill it. The
 * environment comes from registryEnv(); the port is chosen here.
 */
export async function spawnRegistry(env: Record<string, string>): Promise<RegistryProcess> {
  if (!existsSync(REGISTRY_MAIN)) {
    throw new Error(`${REGISTRY_MAIN} is missing: run "npm run build" first (npm test does it in pretest)`);
  }
  const port = await freePort();
  const child = spawn(process.execPath, [REGISTRY_MAIN], {
    env: { ...process.env, ...env, HTTP_PORT: String(port), LOG_LEVEL: 'log' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  await pollUntil(
    'the registry process to serve /healthz',
    async () => {
      if (child.exitCode !== null) throw new Error(`registry exited with ${child.exitCode}:\n${out}`);
      return (await fetch(`${url}/healthz`)).ok;
    },
    { timeoutMs: 30_000, intervalMs: 50 },
  );
  return {
    url,
    child,
    output: () => out,
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
