import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive } from '../../pids';

// A peer's configuration, control socket and logs live in a directory named after the pid of the
// test process that made it. A test process killed by SIGTERM cannot remove its directories, so
// each new one first removes the directories whose owner process is gone.
const PREFIX = 'isthmus-bgp-';
let reaped = false;

function reapOrphans(): void {
  if (reaped) return;
  reaped = true;
  for (const entry of readdirSync(tmpdir())) {
    const owner = new RegExp(`^${PREFIX}[a-z]+-(\\d+)-`).exec(entry)?.[1];
    if (owner && Number(owner) !== process.pid && !isAlive(Number(owner))) {
      rmSync(join(tmpdir(), entry), { recursive: true, force: true });
    }
  }
}

/** A new private directory for one peer ("bird", "gobgpd"); the caller removes it. */
export function createWorkDir(kind: string): string {
  reapOrphans();
  return mkdtempSync(join(tmpdir(), `${PREFIX}${kind}-${process.pid}-`));
}

export function removeWorkDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
