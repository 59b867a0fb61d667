import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../postgres-server';
import { bgpdTmpDir, type FrrHandle, startFrr } from './frr';

// Two bgpds of the harness at once, peered with each other on the same port (each bound to its
// own address): their vty sockets, pid files and configurations must not clash, and neither may
// use FRR's system directories. Addresses 127.0.0.141/142 belong to this file.
const A = '127.0.0.141';
const B = '127.0.0.142';

describe('startFrr', () => {
  const started: FrrHandle[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((frr) => frr.destroy()));
  });

  it('runs two bgpds side by side on one port, each in its own directory, and they peer', async () => {
    const port = await freePort();
    const runDirBefore = existsSync('/var/run/frr') ? readdirSync('/var/run/frr') : [];
    const a = await startFrr({
      address: A,
      port,
      neighbors: [{ address: B, port, asn: 64511, passive: true }],
    });
    started.push(a);
    const b = await startFrr({ address: B, port, asn: 64511, neighbors: [{ address: A, port, asn: 64511 }] });
    started.push(b);
    expect(a.workDir).not.toBe(b.workDir);
    expect(await a.waitForEstablished(B)).toMatchObject({ state: 'Established', remoteAsn: 64511 });
    expect(await b.neighborState(A)).toBe('Established');
    // Nothing in /var/run/frr: the pid files and vty sockets are in the work directories.
    expect(existsSync('/var/run/frr') ? readdirSync('/var/run/frr') : []).toEqual(runDirBefore);
    expect(readdirSync(a.workDir).sort()).toEqual(['bgpd.conf', 'bgpd.pid', 'bgpd.vty']);
  });

  it('stop() ends the sessions with a Cease (bgp shutdown), which the neighbor reports', async () => {
    const port = await freePort();
    const a = await startFrr({
      address: A,
      port,
      neighbors: [{ address: B, port, asn: 64511, passive: true }],
    });
    started.push(a);
    const b = await startFrr({ address: B, port, neighbors: [{ address: A, port, asn: 64511 }] });
    started.push(b);
    await a.waitForEstablished(B);
    await b.stop();
    const status = await a.neighborStatus(B);
    expect(status.state).not.toBe('Established');
    expect(status.lastResetDueTo).toBe('BGP Notification received');
  });

  it('destroy() removes its directory and the one bgpd keeps in /var/tmp/frr', async () => {
    const frr = await startFrr({ address: A, port: await freePort(), neighbors: [] });
    const pid = Number(readFileSync(join(frr.workDir, 'bgpd.pid'), 'utf8').trim());
    expect(existsSync(bgpdTmpDir(pid))).toBe(true);
    await frr.destroy();
    expect(existsSync(frr.workDir)).toBe(false);
    expect(existsSync(bgpdTmpDir(pid))).toBe(false);
  });
});
