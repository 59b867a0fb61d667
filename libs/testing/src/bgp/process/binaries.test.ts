import { afterEach, describe, expect, it } from 'vitest';
import { BIRD, FRR_BGPD, type PeerBinary, requireBinary, VTYSH } from './binaries';

const MISSING: PeerBinary = {
  name: 'isthmus-no-such-daemon',
  envOverride: 'ISTHMUS_TEST_NO_SUCH_DAEMON_BIN',
  aptPackage: 'isthmus-no-such-package',
  debianPath: '/usr/sbin/isthmus-no-such-daemon',
};

describe('peer binaries', () => {
  afterEach(() => {
    delete process.env[MISSING.envOverride];
  });

  it('finds Debian’s BIRD', () => {
    expect(requireBinary(BIRD)).toMatch(/bird$/);
  });

  it('finds FRR’s bgpd (outside PATH, in /usr/lib/frr) and vtysh', () => {
    expect(requireBinary(FRR_BGPD)).toMatch(/bgpd$/);
    expect(requireBinary(VTYSH)).toMatch(/vtysh$/);
  });

  it('fails, naming the apt package, when a peer is not installed', () => {
    expect(() => requireBinary(MISSING)).toThrow(
      'isthmus-no-such-daemon is not installed: run `apt-get install -y --no-install-recommends isthmus-no-such-package`',
    );
  });

  it('refuses an override that points at no executable', () => {
    process.env[MISSING.envOverride] = '/nonexistent/isthmus-no-such-daemon';
    expect(() => requireBinary(MISSING)).toThrow(/is not an executable file/);
  });
});
