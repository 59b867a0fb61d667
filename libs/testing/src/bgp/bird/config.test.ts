import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { BIRD, requireBinary } from '../process/binaries';
import { createWorkDir, removeWorkDir } from '../process/work-dir';
import { type BirdOptions, renderBirdConfig } from './config';

const run = promisify(execFile);

const options: BirdOptions = {
  address: '127.0.0.61',
  port: 11790,
  asn: 64511,
  neighbors: [
    { name: 'ibgp_client', address: '127.0.0.62', port: 11791, asn: 64511 },
    {
      name: 'ebgp_peer',
      address: '127.0.0.63',
      port: 11792,
      asn: 64512,
      passive: true,
      disabled: true,
      gracefulRestart: false,
      holdTimeSeconds: 30,
      connectRetrySeconds: 2,
      families: ['ipv6'],
      addPaths: 'rx',
    },
  ],
};

describe('bird.conf', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) removeWorkDir(dir);
    dir = undefined;
  });

  it('is accepted by BIRD itself (bird -p parses a configuration and exits)', async () => {
    dir = createWorkDir('bird');
    const path = join(dir, 'bird.conf');
    writeFileSync(path, renderBirdConfig(options));
    await expect(run(requireBinary(BIRD), ['-p', '-c', path])).resolves.toBeDefined();
  });

  it('makes iBGP neighbors route reflector clients and gives eBGP neighbors multihop', () => {
    const text = renderBirdConfig(options);
    const [ibgp, ebgp] = text.split('protocol bgp ').slice(1);
    expect(ibgp).toContain('rr client;');
    expect(ibgp).not.toContain('multihop;');
    expect(ibgp).toContain('local 127.0.0.61 port 11790 as 64511;');
    expect(ibgp).toContain('neighbor 127.0.0.62 port 11791 as 64511;');
    expect(ibgp).toContain('graceful restart on;');
    expect(ibgp).toContain('ipv4 { table master4; import all; export all; next hop keep; add paths off; };');
    expect(ebgp).not.toContain('rr client;');
    expect(ebgp).toContain('multihop;');
    expect(ebgp).toContain('disabled;');
    expect(ebgp).toContain('passive on;');
    expect(ebgp).toContain('graceful restart off;');
    expect(ebgp).toContain('hold time 30;');
    expect(ebgp).toContain('connect retry time 2;');
    expect(ebgp).not.toContain('ipv4 {');
    expect(ebgp).toContain('add paths rx;');
  });

  it('refuses protocol names BIRD would not parse, and duplicates', () => {
    const neighbor = { address: '127.0.0.62', port: 1, asn: 64511 };
    expect(() => renderBirdConfig({ ...options, neighbors: [{ ...neighbor, name: '127.0.0.62' }] })).toThrow(
      /not a symbol/,
    );
    expect(() =>
      renderBirdConfig({
        ...options,
        neighbors: [
          { ...neighbor, name: 'a' },
          { ...neighbor, name: 'a' },
        ],
      }),
    ).toThrow(/two BIRD neighbors/);
  });
});
