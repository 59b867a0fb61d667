import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FRR_BGPD, requireBinary } from '../process/binaries';
import { createWorkDir, removeWorkDir } from '../process/work-dir';
import { type FrrOptions, refusedConfigLines, renderFrrConfig } from './config';
import { bgpdTmpDir } from './frr';

const options: FrrOptions = {
  address: '127.0.0.141',
  port: 11800,
  routerId: '192.0.2.141',
  neighbors: [
    { address: '127.0.0.142', port: 11801, asn: 64511, passive: true },
    {
      address: '127.0.0.143',
      port: 11802,
      asn: 4200000001,
      disabled: true,
      holdTimeSeconds: 30,
      gracefulRestartSeconds: false,
      families: ['ipv4'],
    },
  ],
};

/** bgpd -C: reads the configuration and exits. It exits 0 whatever it found, so its log is the verdict. */
async function dryRun(config: string): Promise<string> {
  const dir = createWorkDir('frr');
  dirs.push(dir);
  const path = join(dir, 'bgpd.conf');
  writeFileSync(path, config);
  const args = ['-C', '-S', '-Z', '-P', '0', '-f', path, '-i', join(dir, 'bgpd.pid'), '--vty_socket', dir];
  return new Promise((resolve, reject) => {
    const child = execFile(requireBinary(FRR_BGPD), args, (err, stdout, stderr) => {
      // Even a dry run leaves /var/tmp/frr/bgpd.<pid> behind.
      if (child.pid !== undefined) rmSync(bgpdTmpDir(child.pid), { recursive: true, force: true });
      if (err) reject(err);
      else resolve(`${stdout}${stderr}`);
    });
  });
}
const dirs: string[] = [];

describe('bgpd.conf', () => {
  afterEach(() => {
    for (const dir of dirs.splice(0)) removeWorkDir(dir);
  });

  it('is accepted by bgpd itself (bgpd -C checks a configuration and exits)', async () => {
    expect(refusedConfigLines(await dryRun(renderFrrConfig(options)))).toEqual([]);
  });

  it('the dry run does catch lines bgpd refuses (so the check above can fail)', async () => {
    const broken = renderFrrConfig(options).replace(
      'exit\n',
      ' bgp no-such-command\n neighbor 127.0.0.199 passive\nexit\n',
    );
    const refused = refusedConfigLines(await dryRun(broken));
    expect(refused).toHaveLength(2);
    expect(refused[0]).toMatch(/^line \d+: bgp no-such-command$/);
    expect(refused[1]).toMatch(/^line \d+: neighbor 127\.0\.0\.199 passive$/);
  });

  it("ignores FRR 8.4's false alarms about per-neighbor graceful restart, and nothing else", () => {
    const log = [
      '2026/12/07 15:51:25 BGP: [SHWNK-NWT5S][EC 100663304] Command returned Warning Config Failed on config line 7:  neighbor 127.0.0.142 graceful-restart',
      '2026/12/07 15:51:25 BGP: [SHWNK-NWT5S][EC 100663304] Command returned Warning Config Failed on config line 9:  neighbor 127.0.0.143 graceful-restart-disable',
      '2026/12/07 15:51:25 BGP: [SHWNK-NWT5S][EC 100663304] Command returned Warning Config Failed on config line 11:  neighbor 127.0.0.144 graceful-restart-helper',
      '2026/12/07 15:51:25 BGP: [SHWNK-NWT5S][EC 100663304] No such command on config line 12:  neighbor 127.0.0.144 graceful-restart-bogus',
    ].join('\n');
    expect(refusedConfigLines(log)).toEqual(['line 12: neighbor 127.0.0.144 graceful-restart-bogus']);
  });

  it('writes each neighbor with its transport, timers, reflector and graceful restart settings', () => {
    const config = renderFrrConfig(options);
    expect(config).toContain('router bgp 64511\n');
    expect(config).toContain(' bgp router-id 192.0.2.141\n');
    expect(config).toContain(' no bgp ebgp-requires-policy\n');
    expect(config).toContain(' no bgp default ipv4-unicast\n');
    expect(config).toContain(' bgp graceful-restart restart-time 120\n');
    const first = (line: string): string => ` neighbor 127.0.0.142 ${line}\n`;
    expect(config).toContain(first('remote-as 64511'));
    expect(config).toContain(first('port 11801'));
    expect(config).toContain(first('update-source 127.0.0.141'));
    expect(config).toContain(first('timers 3 9'));
    expect(config).toContain(first('timers connect 1'));
    expect(config).toContain(first('passive'));
    expect(config).toContain(first('graceful-restart'));
    expect(config).not.toContain(first('disable-connected-check'));
    const second = (line: string): string => ` neighbor 127.0.0.143 ${line}\n`;
    expect(config).toContain(second('remote-as 4200000001'));
    expect(config).toContain(second('shutdown'));
    expect(config).toContain(second('timers 10 30'));
    expect(config).toContain(second('graceful-restart-disable'));
    expect(config).toContain(second('disable-connected-check'));
    expect(config).not.toContain(second('passive'));
    // Both families for the iBGP neighbor, as route-reflector client; IPv4 only for the eBGP one.
    const [, ipv4, ipv6] = config.split(/ address-family /);
    expect(ipv4).toBe(
      [
        'ipv4 unicast',
        '  neighbor 127.0.0.142 activate',
        '  neighbor 127.0.0.142 route-reflector-client',
        '  neighbor 127.0.0.143 activate',
        ' exit-address-family',
        '',
      ].join('\n'),
    );
    expect(ipv6).toBe(
      [
        'ipv6 unicast',
        '  neighbor 127.0.0.142 activate',
        '  neighbor 127.0.0.142 route-reflector-client',
        ' exit-address-family',
        'exit',
        '!',
        '',
      ].join('\n'),
    );
  });

  it('defaults to ASN 64511 and takes another', () => {
    expect(renderFrrConfig({ ...options, asn: 4200000002 })).toContain('router bgp 4200000002\n');
  });

  it('refuses neighbors that ask for different restart times: FRR has one per router bgp', () => {
    expect(() =>
      renderFrrConfig({
        ...options,
        neighbors: [
          { address: '127.0.0.142', port: 1, asn: 64511, gracefulRestartSeconds: 30 },
          { address: '127.0.0.143', port: 1, asn: 64511 },
        ],
      }),
    ).toThrow('FRR has one graceful restart time per router bgp; the neighbors ask for 30, 120 s');
  });

  it('leaves the restart time out when no neighbor has graceful restart', () => {
    const config = renderFrrConfig({
      ...options,
      neighbors: [{ address: '127.0.0.142', port: 1, asn: 64511, gracefulRestartSeconds: false }],
    });
    expect(config).not.toContain('restart-time');
  });
});
