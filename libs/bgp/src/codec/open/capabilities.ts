import { OpenSubcode } from '../error-codes';
import { openError } from '../errors';
import type { ByteWriter } from '../wire/byte-writer';
import { copyBytes } from '../wire/copy-bytes';
import { readU16, readU32 } from '../wire/integers';
import type { Capability } from '../types';

/** Capability codes (IANA "Capability Codes" registry). */
export const CapabilityCode = {
  multiprotocol: 1, // RFC 4760 §8
  routeRefresh: 2, // RFC 2918 §2
  gracefulRestart: 64, // RFC 4724 §3
  fourOctetAs: 65, // RFC 6793 §3
} as const;

/** RFC 4724 §3: the Restart State (R) bit of the Restart Flags, and the F bit of each family. */
const RESTART_STATE = 0x8000;
const FORWARDING_STATE = 0x80;

function malformed(what: string) {
  // RFC 4271 §6.2 names no subcode for a malformed capability; 0 is "Unspecific" (RFC 4271 errata 4493).
  return openError(0, what);
}

function decodeOne(code: number, buf: Uint8Array, start: number, length: number): Capability {
  switch (code) {
    case CapabilityCode.multiprotocol:
      // AFI (2), reserved (1), SAFI (1).
      if (length !== 4) throw malformed(`multiprotocol capability of length ${length}, 4 expected`);
      return { kind: 'multiprotocol', afi: readU16(buf, start), safi: buf[start + 3]! };
    case CapabilityCode.routeRefresh:
      if (length !== 0) throw malformed(`route-refresh capability of length ${length}, 0 expected`);
      return { kind: 'route-refresh' };
    case CapabilityCode.gracefulRestart: {
      // Restart Flags (4 bits) + Restart Time (12 bits), then (AFI 2, SAFI 1, flags 1) per family.
      if (length < 2 || (length - 2) % 4 !== 0) {
        throw malformed(`graceful-restart capability of length ${length}, 2 + 4n expected`);
      }
      const head = readU16(buf, start);
      const families = [];
      for (let p = start + 2; p < start + length; p += 4) {
        families.push({
          afi: readU16(buf, p),
          safi: buf[p + 2]!,
          forwardingPreserved: (buf[p + 3]! & FORWARDING_STATE) !== 0,
        });
      }
      return {
        kind: 'graceful-restart',
        restarting: (head & RESTART_STATE) !== 0,
        restartTimeSeconds: head & 0x0fff,
        families,
      };
    }
    case CapabilityCode.fourOctetAs: {
      if (length !== 4) throw malformed(`four-octet-as capability of length ${length}, 4 expected`);
      const asn = readU32(buf, start);
      // RFC 7607 §2: AS 0 in the capability is a Bad Peer AS.
      if (asn === 0) throw openError(OpenSubcode.badPeerAs, 'the four-octet-as capability carries AS 0');
      return { kind: 'four-octet-as', asn };
    }
    default:
      return { kind: 'unknown', code, value: copyBytes(buf, start, start + length) };
  }
}

/** RFC 5492 §4: the capabilities of one Capabilities optional parameter, `buf[start, end)`. */
export function decodeCapabilities(buf: Uint8Array, start: number, end: number, into: Capability[]): void {
  let p = start;
  while (p < end) {
    if (p + 2 > end) throw malformed('a capability header overruns its optional parameter');
    const code = buf[p]!;
    const length = buf[p + 1]!;
    if (p + 2 + length > end) throw malformed(`capability ${code} overruns its optional parameter`);
    into.push(decodeOne(code, buf, p + 2, length));
    p += 2 + length;
  }
}

function checkUint(value: number, max: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw new Error(`${what} ${value} is out of range`);
  return value;
}

/** Writes one capability TLV (code, length, value). */
export function encodeCapability(cap: Capability, out: ByteWriter): void {
  switch (cap.kind) {
    case 'multiprotocol':
      out.u8(CapabilityCode.multiprotocol).u8(4);
      out
        .u16(checkUint(cap.afi, 0xffff, 'AFI'))
        .u8(0)
        .u8(checkUint(cap.safi, 0xff, 'SAFI'));
      return;
    case 'route-refresh':
      out.u8(CapabilityCode.routeRefresh).u8(0);
      return;
    case 'graceful-restart': {
      const time = checkUint(cap.restartTimeSeconds, 0x0fff, 'restart time');
      const length = checkUint(2 + 4 * cap.families.length, 0xff, 'graceful-restart capability length');
      out.u8(CapabilityCode.gracefulRestart).u8(length);
      out.u16((cap.restarting ? RESTART_STATE : 0) | time);
      for (const f of cap.families) {
        out.u16(checkUint(f.afi, 0xffff, 'AFI')).u8(checkUint(f.safi, 0xff, 'SAFI'));
        out.u8(f.forwardingPreserved ? FORWARDING_STATE : 0);
      }
      return;
    }
    case 'four-octet-as':
      out
        .u8(CapabilityCode.fourOctetAs)
        .u8(4)
        .u32(checkUint(cap.asn, 0xffffffff, 'ASN'));
      return;
    case 'unknown':
      out.u8(checkUint(cap.code, 0xff, 'capability code')).u8(checkUint(cap.value.length, 0xff, 'length'));
      out.bytes(cap.value);
      return;
  }
}
