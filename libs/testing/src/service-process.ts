import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { freePort } from './postgres-server';
import { pollUntil } from './polling';

export interface ServiceProcess {
  url: string;
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** SIGKILL, as in a crash: no shutdown hook runs, nothing is flushed. */
  kill(): Promise<void>;
  /** SIGTERM: the service's orderly shutdown. */
  stop(): Promise<void>;
}

/**
 * Runs a built service (`npm run build`; its dist/main.js) as a child process on a free port
 * of 127.0.0.1, for tests that kill it or run several replicas. Resolves once it serves
 * /healthz (within `startTimeoutMs`, 30 s by default); a service that exits first fails the call
 * with what it printed.
 */
export async function spawnService(
  name: string,
  main: string,
  env: Record<string, string>,
  opts: { startTimeoutMs?: number } = {},
): Promise<ServiceProcess> {
  if (!existsSync(main)) {
    throw new Error(`${main} is missing: run "npm run build" first (npm test does it in pretest)`);
  }
  const port = await freePort();
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, ...env, HTTP_HOST: '127.0.0.1', HTTP_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // 'close' comes after the output pipes are drained: all the process printed is in `out`.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const signal = async (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    await exited;
  };
  const url = `http://127.0.0.1:${port}`;
  let state: 'serving' | 'exited';
  try {
    // The check returns rather than throws when the process is gone: pollUntil retries a check
    // that throws, which made a service that failed at once look like one slow to start.
    state = await pollUntil(
      `the ${name} process to serve /healthz`,
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) return 'exited' as const;
        return (await fetch(`${url}/healthz`)).ok && ('serving' as const);
      },
      { timeoutMs: opts.startTimeoutMs ?? 30_000, intervalMs: 50 },
    );
  } catch (e) {
    await signal('SIGKILL');
    throw e;
  }
  if (state === 'exited') {
    await closed;
    throw new Error(`${name} exited with ${child.exitCode ?? child.signalCode}:\n${out}`);
  }
  return { url, child, output: () => out, kill: () => signal('SIGKILL'), stop: () => signal('SIGTERM') };
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** Parsed when the body is JSON, the text otherwise (metrics), undefined when empty. */
  body: any;
}

/** One HTTP request to a service under test, with a bearer token when one is given. */
export async function httpRequest(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  token?: string | null,
): Promise<HttpAnswer> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON (metrics)
  }
  return { status: res.status, headers: res.headers, body: parsed };
}
