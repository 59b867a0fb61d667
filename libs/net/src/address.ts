import { Address4, Address6 } from 'ip-address';
import { NetParseError } from './errors';

export type IpFamily = 4 | 6;

export interface IpAddress {
  family: IpFamily;
  /** Canonical text: dotted quad for IPv4, RFC 5952 compressed lowercase for IPv6. */
  address: string;
  value: bigint;
}

const BITS: Record<IpFamily, number> = { 4: 32, 6: 128 };

export function familyBits(family: IpFamily): number {
  return BITS[family];
}

/**
 * A dotted quad in canonical form: four decimal octets 0–255 without leading zeros. Events carry
 * every address in this form, so the common case skips ip-address's general parser (a replay of
 * 100,000 pod blocks parses 200,000 addresses); anything else takes the general path and gets its
 * error messages.
 */
const CANONICAL_IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

function canonicalIpv4(input: string): IpAddress | undefined {
  if (!CANONICAL_IPV4.test(input)) return undefined;
  let value = 0;
  for (const octet of input.split('.')) value = value * 256 + Number(octet);
  return { family: 4, address: input, value: BigInt(value) };
}

function formatIpv4(value: bigint): string {
  if (value < 0n || value > 0xffffffffn) throw new RangeError(`${value} is not an IPv4 address value`);
  const n = Number(value);
  return `${Math.floor(n / 0x1000000) % 256}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function reason(e: unknown): string {
  return e instanceof Error ? e.message.replace(/\.$/, '') : String(e);
}

/**
 * Parses one IPv4 or IPv6 address (no prefix length). IPv4-mapped IPv6 addresses are kept as
 * IPv6: a node or endpoint either speaks IPv4 or IPv6 and we never translate between them.
 */
export function parseAddress(input: string): IpAddress {
  if (typeof input !== 'string' || input.trim() !== input || input === '') {
    throw new NetParseError(`"${String(input)}" is not an IP address`, String(input));
  }
  if (input.includes('/')) {
    throw new NetParseError(`"${input}" is a prefix, an address without "/length" was expected`, input);
  }
  if (input.includes(':')) {
    if (input.includes('%')) {
      throw new NetParseError(
        `"${input}" has a zone index; zones are not routable, drop the "%..." part`,
        input,
      );
    }
    try {
      const a = new Address6(input);
      return { family: 6, address: a.correctForm(), value: a.bigInt() };
    } catch (e) {
      throw new NetParseError(`"${input}" is not a valid IPv6 address: ${reason(e)}`, input);
    }
  }
  const canonical = canonicalIpv4(input);
  if (canonical) return canonical;
  try {
    const a = new Address4(input);
    return { family: 4, address: a.correctForm(), value: a.bigInt() };
  } catch (e) {
    throw new NetParseError(`"${input}" is not a valid IPv4 address: ${reason(e)}`, input);
  }
}

export function formatAddress(family: IpFamily, value: bigint): string {
  return family === 4 ? formatIpv4(value) : Address6.fromBigInt(value).correctForm();
}
