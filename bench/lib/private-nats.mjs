// A private nats-server for a benchmark (its own port and store), so that its CPU time is the
// benchmark's alone: the shared server on 4222 also serves other people's tests.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function startPrivateNats() {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const store = mkdtempSync(join(tmpdir(), 'bench-nats-'));
  const server = spawn(
    '/usr/sbin/nats-server',
    ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', store],
    {
      stdio: 'ignore',
    },
  );
  const open = () =>
    new Promise((resolve) => {
      const s = tcpConnect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
  while (!(await open())) await new Promise((r) => setTimeout(r, 5));
  return {
    url: `nats://127.0.0.1:${port}`,
    pid: server.pid,
    async stop() {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
      rmSync(store, { recursive: true, force: true });
    },
  };
}
