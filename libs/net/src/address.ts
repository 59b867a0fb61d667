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
  try {
    const a = new Address4(input);
    return { family: 4, address: a.correctForm(), value: a.bigInt() };
  } catch (e) {
    throw new NetParseError(`"${input}" is not a valid IPv4 address: ${reason(e)}`, input);
  }
}

export function formatAddress(family: IpFamily, value: bigint): string {
  return family === 4 ? Address4.fromBigInt(value).correctForm() : Address6.fromBigInt(value).correctForm();
}
