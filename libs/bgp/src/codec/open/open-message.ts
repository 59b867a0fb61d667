import { formatIpv4, parseIpv4 } from '../address/ipv4-text';
import { OpenSubcode } from '../error-codes';
import { badMessageLength, openError } from '../errors';
import { ByteWriter } from '../wire/byte-writer';
import { HEADER_LENGTH, MessageType, finishMessage, startMessage } from '../wire/header';
import { readU16 } from '../wire/integers';
import type { Capability, OpenMessage } from '../types';
import { decodeCapabilities, encodeCapability } from './capabilities';

/** RFC 4271 §4.2: header + version 1 + My AS 2 + Hold Time 2 + BGP Identifier 4 + Opt Parm Len 1. */
export const OPEN_MIN_LENGTH = 29;
const BGP_VERSION = 4;
/** RFC 5492 §4: the only optional parameter type in use (1, Authentication, is deprecated). */
const CAPABILITIES_PARAMETER = 2;
/** RFC 9072 §2: Non-Ext OP Type 255 marks the extended optional parameters length format. */
const EXTENDED_PARAMETERS = 255;

function malformed(what: string) {
  return openError(0, what); // 0 = Unspecific (RFC 4271 errata 4493)
}

/** RFC 4271 §4.2 and §6.2. `buf` is one whole message whose header was checked. */
export function decodeOpen(buf: Uint8Array): OpenMessage {
  const length = buf.length;
  if (length < OPEN_MIN_LENGTH) throw badMessageLength(length, `an OPEN of ${length} bytes`);
  let p = HEADER_LENGTH;
  const version = buf[p]!;
  if (version !== BGP_VERSION) {
    // §6.2: the data is the largest locally supported version number, 2 octets.
    throw openError(
      OpenSubcode.unsupportedVersionNumber,
      `version ${version}`,
      new Uint8Array([0, BGP_VERSION]),
    );
  }
  const myAs = readU16(buf, p + 1);
  // RFC 7607 §2: AS 0 is not a valid peer AS.
  if (myAs === 0) throw openError(OpenSubcode.badPeerAs, 'My AS is 0');
  const holdTimeSeconds = readU16(buf, p + 3);
  // §6.2: a Hold Time of 1 or 2 seconds MUST be rejected (0 means no keepalives, 3+ is fine).
  if (holdTimeSeconds === 1 || holdTimeSeconds === 2) {
    throw openError(OpenSubcode.unacceptableHoldTime, `hold time ${holdTimeSeconds}`);
  }
  const bgpIdentifier = formatIpv4(buf, p + 5);
  // RFC 6286 §2.2: any non-zero 32-bit value is a valid identifier.
  if (bgpIdentifier === '0.0.0.0') throw openError(OpenSubcode.badBgpIdentifier, 'BGP Identifier 0.0.0.0');
  let parametersLength = buf[p + 9]!;
  p += 10;
  let lengthOctets = 1; // width of each parameter's length field
  if (parametersLength === 255 && p < length && buf[p] === EXTENDED_PARAMETERS) {
    if (p + 3 > length) throw malformed('the extended optional parameters length is truncated');
    parametersLength = readU16(buf, p + 1);
    p += 3;
    lengthOctets = 2;
  }
  if (p + parametersLength !== length) {
    throw malformed(`optional parameters of ${parametersLength} bytes in ${length - p} bytes`);
  }
  const capabilities: Capability[] = [];
  while (p < length) {
    if (p + 1 + lengthOctets > length) throw malformed('an optional parameter header is truncated');
    const type = buf[p]!;
    const paramLength = lengthOctets === 1 ? buf[p + 1]! : readU16(buf, p + 1);
    const start = p + 1 + lengthOctets;
    if (start + paramLength > length) throw malformed(`optional parameter ${type} overruns the message`);
    if (type !== CAPABILITIES_PARAMETER) {
      throw openError(OpenSubcode.unsupportedOptionalParameter, `optional parameter type ${type}`);
    }
    decodeCapabilities(buf, start, start + paramLength, capabilities);
    p = start + paramLength;
  }
  return { type: 'open', version, myAs, holdTimeSeconds, bgpIdentifier, capabilities };
}

function checkUint16(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff)
    throw new Error(`${what} ${value} is out of range`);
  return value;
}

/** RFC 4271 §4.2, with every capability in one Capabilities parameter (RFC 5492 §4 allows it). */
export function encodeOpen(msg: OpenMessage, out: ByteWriter): void {
  const start = startMessage(out, MessageType.open);
  const id = parseIpv4(msg.bgpIdentifier);
  if (!id) throw new Error(`BGP identifier "${msg.bgpIdentifier}" is not a dotted quad`);
  out.u8(msg.version).u16(checkUint16(msg.myAs, 'My AS')).u16(checkUint16(msg.holdTimeSeconds, 'hold time'));
  out.bytes(id);
  const caps = new ByteWriter(256);
  for (const cap of msg.capabilities) encodeCapability(cap, caps);
  if (caps.length === 0) {
    out.u8(0);
  } else {
    if (caps.length + 2 > 255)
      throw new Error(`capabilities of ${caps.length} bytes do not fit one parameter`);
    out
      .u8(caps.length + 2)
      .u8(CAPABILITIES_PARAMETER)
      .u8(caps.length);
    out.bytes(caps.toBuffer());
  }
  finishMessage(out, start);
}
