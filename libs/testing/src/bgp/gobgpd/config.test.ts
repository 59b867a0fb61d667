import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { GOBGPD, requireBinary } from '../process/binaries';
import { createWorkDir, removeWorkDir } from '../process/work-dir';
import { type GobgpdOptions, renderGobgpdConfig } from './config';

const run = promisify(execFile);

const options: GobgpdOptions = {
  address: '127.0.0.72',
  port: 11791,
  asn: 64511,
  routerId: '192.0.2.72',
  neighbors: [
    { address: '127.0.0.71', port: 11790, asn: 64511, passive: true, routeReflectorClient: true },
    {
      address: '127.0.0.73',
      port: 11792,
      asn: 64512,
      disabled: true,
      gracefulRestartSeconds: false,
      families: ['ipv4'],
    },
  ],
};

describe('gobgpd.toml', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) removeWorkDir(dir);
    dir = undefined;
  });

  it('is accepted by gobgpd itself (gobgpd -d checks a configuration and exits)', async () => {
    dir = createWorkDir('gobgpd');
    const path = join(dir, 'gobgpd.toml');
    writeFileSync(path, renderGobgpdConfig(options));
    const { stdout, stderr } = await run(requireBinary(GOBGPD), ['-d', '-f', path, '-t', 'toml']);
    expect(`${stdout}${stderr}`).toContain('Finished reading the config file');
  });

  it('writes each neighbor with its transport, timers, reflector and graceful restart settings', () => {
    const [global, first, second] = renderGobgpdConfig(options).split('[[neighbors]]');
    expect(global).toContain('router-id = "192.0.2.72"');
    expect(global).toContain('local-address-list = ["127.0.0.72"]');
    expect(first).toContain('neighbor-address = "127.0.0.71"');
    expect(first).toContain('passive-mode = true');
    expect(first).toContain('remote-port = 11790');
    expect(first).toContain('idle-hold-time-after-reset = 1');
    expect(first).toContain('route-reflector-client = true');
    expect(first).toContain('restart-time = 30');
    expect(first).toContain('afi-safi-name = "ipv6-unicast"');
    expect(second).toContain('admin-down = true');
    expect(second).not.toContain('graceful-restart');
    expect(second).not.toContain('ipv6-unicast');
  });
});
