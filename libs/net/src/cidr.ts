import { familyBits, formatAddress, parseAddress, type IpFamily } from './address';
import { NetParseError } from './errors';

export interface Cidr {
  family: IpFamily;
  /** Canonical text, e.g. "192.168.0.0/17" or "2001:db8::/48". */
  cidr: string;
  network: string;
  prefixLength: number;
  /** First and last address of the prefix, inclusive. */
  first: bigint;
  last: bigint;
}

function hostMask(family: IpFamily, prefixLength: number): bigint {
  return (1n << BigInt(familyBits(family) - prefixLength)) - 1n;
}

export function cidrFrom(family: IpFamily, first: bigint, prefixLength: number): Cidr {
  const network = formatAddress(family, first);
  return {
    family,
    cidr: `${network}/${prefixLength}`,
    network,
    prefixLength,
    first,
    last: first | hostMask(family, prefixLength),
  };
}

/**
 * Parses a prefix in canonical form. A prefix with host bits set is refused rather than silently
 * truncated (the operator may have meant the address itself, or a shorter prefix): the error
 * names the prefix that was probably meant, as `ip route` and most router CLIs do.
 */
export function parseCidr(input: string): Cidr {
  if (typeof input !== 'string') throw new NetParseError(`"${String(input)}" is not a prefix`, String(input));
  const slash = input.indexOf('/');
  if (slash < 0) {
    throw new NetParseError(
      `"${input}" has no prefix length; write it as address/length, e.g. "${input}/32"`,
      input,
    );
  }
  const addressPart = input.slice(0, slash);
  const lengthPart = input.slice(slash + 1);
  let address;
  try {
    address = parseAddress(addressPart);
  } catch (e) {
    throw new NetParseError(`"${input}" is not a valid prefix: ${(e as Error).message}`, input);
  }
  const bits = familyBits(address.family);
  if (!/^\d{1,3}$/.test(lengthPart) || Number(lengthPart) > bits) {
    throw new NetParseError(
      `"${input}" has an invalid prefix length "${lengthPart}"; IPv${address.family} prefix lengths are 0 to ${bits}`,
      input,
    );
  }
  const prefixLength = Number(lengthPart);
  const mask = hostMask(address.family, prefixLength);
  const first = address.value & ~mask;
  const cidr = cidrFrom(address.family, first, prefixLength);
  if ((address.value & mask) !== 0n) {
    throw new NetParseError(
      `"${input}" has host bits set; the prefix is "${cidr.cidr}" (or use "${address.address}/${bits}" for the single address)`,
      input,
    );
  }
  if (cidr.cidr !== input) {
    throw new NetParseError(`"${input}" is not in canonical form; write "${cidr.cidr}"`, input);
  }
  return cidr;
}

/** Like parseCidr but accepts any spelling of a valid prefix and returns it canonical. */
export function normalizeCidr(input: string): Cidr {
  try {
    return parseCidr(input);
  } catch (e) {
    const m = /write "([^"]+)"$/.exec((e as Error).message);
    if (m?.[1]) return parseCidr(m[1]);
    throw e;
  }
}

export function cidrContains(outer: Cidr, inner: Cidr | bigint): boolean {
  if (typeof inner === 'bigint') return inner >= outer.first && inner <= outer.last;
  return outer.family === inner.family && inner.first >= outer.first && inner.last <= outer.last;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}
