import { normalizeCidr, parseCidr, type Cidr } from '@isthmus/net';
import { formatAddressValue, parseCanonicalAddress } from './address-text';
import { addressBits, hostMask, type Prefix } from './prefix';

/** Canonical CIDR text of a prefix, e.g. "192.168.0.0/17" or "2001:db8::/48". */
export function formatPrefix(p: Prefix): string {
  return `${formatAddressValue(p.family, p.base)}/${p.length}`;
}

export function prefixFromCidr(cidr: Cidr): Prefix {
  return { family: cidr.family, base: cidr.first, length: cidr.prefixLength };
}

/** "0" or 1-3 digits without a leading zero: the only length spelling parseCidr calls canonical. */
function canonicalLength(text: string): number {
  if (!/^(0|[1-9]\d{0,2})$/.test(text)) return -1;
  return Number(text);
}

/** Canonical CIDR text to a prefix, or undefined (never throws). */
function parseCanonicalPrefix(text: string): Prefix | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = parseCanonicalAddress(text.slice(0, slash));
  const length = canonicalLength(text.slice(slash + 1));
  if (!address || length < 0 || length > addressBits(address.family)) return undefined;
  if ((address.value & hostMask(address.family, length)) !== 0n) return undefined;
  return { family: address.family, base: address.value, length };
}

/**
 * Parses a prefix in canonical form (what events and database rows carry). Canonical text is
 * parsed in place; anything else goes to @isthmus/net's parseCidr, whose NetParseError says what
 * is wrong and what to write (host bits set, length out of range, not canonical).
 */
export function parsePrefix(text: string): Prefix {
  return parseCanonicalPrefix(text) ?? prefixFromCidr(parseCidr(text));
}

/** Accepts any valid spelling of a prefix (e.g. from an operator) and returns it canonical. */
export function normalizePrefix(text: string): Prefix {
  return parseCanonicalPrefix(text) ?? prefixFromCidr(normalizeCidr(text));
}
