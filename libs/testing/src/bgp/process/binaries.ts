import { delimiter, join } from 'node:path';
import { isExecutable } from '../../process/executable';

/** A program the BGP harness runs, and the Debian package that installs it. */
export interface PeerBinary {
  name: string;
  /** Environment variable that points at another build of the program. */
  envOverride: string;
  aptPackage: string;
  /** Where Debian's package puts it. */
  debianPath: string;
}

export const BIRD: PeerBinary = {
  name: 'bird',
  envOverride: 'ISTHMUS_BIRD_BIN',
  aptPackage: 'bird2',
  debianPath: '/usr/sbin/bird',
};
export const GOBGPD: PeerBinary = {
  name: 'gobgpd',
  envOverride: 'ISTHMUS_GOBGPD_BIN',
  aptPackage: 'gobgpd',
  debianPath: '/usr/bin/gobgpd',
};
/** gobgpd's command-line client, in the same Debian package as the daemon. */
export const GOBGP_CLI: PeerBinary = {
  name: 'gobgp',
  envOverride: 'ISTHMUS_GOBGP_BIN',
  aptPackage: 'gobgpd',
  debianPath: '/usr/bin/gobgp',
};

/**
 * FRR's BGP daemon. Debian installs FRR's daemons in /usr/lib/frr, which is on no PATH; the
 * harness runs bgpd alone (no zebra, no watchfrr), see ../frr/frr.ts.
 */
export const FRR_BGPD: PeerBinary = {
  name: 'bgpd',
  envOverride: 'ISTHMUS_FRR_BGPD_BIN',
  aptPackage: 'frr',
  debianPath: '/usr/lib/frr/bgpd',
};
/** FRR's shell, in the same Debian package; it talks to bgpd over bgpd's vty socket. */
export const VTYSH: PeerBinary = {
  name: 'vtysh',
  envOverride: 'ISTHMUS_VTYSH_BIN',
  aptPackage: 'frr',
  debianPath: '/usr/bin/vtysh',
};

/**
 * The path of the program, or an error that says which package to install. Interop tests never
 * skip themselves when a peer is missing: a missing peer is a broken machine setup, not a reason
 * to pass silently.
 */
export function requireBinary(binary: PeerBinary): string {
  const override = process.env[binary.envOverride];
  if (override) {
    if (isExecutable(override)) return override;
    throw new Error(`${binary.envOverride}=${override} is not an executable file`);
  }
  if (isExecutable(binary.debianPath)) return binary.debianPath;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, binary.name))) return join(dir, binary.name);
  }
  throw new Error(
    `${binary.name} is not installed: run \`apt-get install -y --no-install-recommends ${binary.aptPackage}\` ` +
      `(or set ${binary.envOverride} to the program's path)`,
  );
}
