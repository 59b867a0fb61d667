import { parseIpv4Into } from './ipv4-text';

// IPv6 addresses in RFC 5952 canonical text (lower case, no leading zeros, the longest run of two
// or more zero groups compressed to "::", the first one on a tie): what @isthmus/net produces.

const HEX = '0123456789abcdef';
const quad = new Uint8Array(4);

function hexGroup(value: number): string {
  if (value < 0x10) return HEX[value]!;
  if (value < 0x100) return HEX[value >> 4]! + HEX[value & 15]!;
  if (value < 0x1000) return HEX[value >> 8]! + HEX[(value >> 4) & 15]! + HEX[value & 15]!;
  return HEX[value >> 12]! + HEX[(value >> 8) & 15]! + HEX[(value >> 4) & 15]! + HEX[value & 15]!;
}

const groups = new Uint16Array(8);

/** RFC 5952 §4 text of the 16 bytes at `offset` (caller checked they are there). */
export function formatIpv6(buf: Uint8Array, offset: number): string {
  for (let g = 0; g < 8; g++) groups[g] = (buf[offset + 2 * g]! << 8) | buf[offset + 2 * g + 1]!;
  // RFC 5952 §4.2.2 and §4.2.3: only a run of at least two zero groups is compressed, the first
  // of the longest ones.
  let bestStart = -1;
  let bestLength = 1;
  for (let g = 0; g < 8;) {
    if (groups[g] !== 0) {
      g++;
      continue;
    }
    let end = g;
    while (end < 8 && groups[end] === 0) end++;
    if (end - g > bestLength) {
      bestStart = g;
      bestLength = end - g;
    }
    g = end;
  }
  let text = '';
  for (let g = 0; g < 8; g++) {
    if (g === bestStart) {
      text += '::';
      g += bestLength - 1;
      continue;
    }
    if (g > 0 && g !== bestStart + bestLength) text += ':';
    text += hexGroup(groups[g]!);
  }
  return text;
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Writes the IPv6 address `text[start, end)` into `out` at `offset` (16 bytes); false when it is
 * not one. Accepts every RFC 4291 §2.2 spelling, an embedded dotted quad included.
 */
export function parseIpv6Into(
  text: string,
  start: number,
  end: number,
  out: Uint8Array,
  offset: number,
): boolean {
  const parsed: number[] = [];
  let gap = -1; // index in groups where "::" stands
  let i = start;
  if (end - start >= 2 && text.charCodeAt(i) === 58 && text.charCodeAt(i + 1) === 58) {
    gap = 0;
    i += 2;
  } else if (i < end && text.charCodeAt(i) === 58) {
    return false;
  }
  let tailBytes = 0; // 4 when the address ends in a dotted quad
  while (i < end) {
    let j = i;
    let value = 0;
    while (j < end && j - i < 5) {
      const d = hexDigit(text.charCodeAt(j));
      if (d < 0) break;
      value = value * 16 + d;
      j++;
    }
    if (j < end && text.charCodeAt(j) === 46) {
      // RFC 4291 §2.2 form 3: the last 32 bits as a dotted quad.
      if (!parseIpv4Into(text, i, end, quad, 0)) return false;
      tailBytes = 4;
      break;
    }
    if (j === i || j - i > 4) return false;
    parsed.push(value);
    if (j === end) break;
    if (text.charCodeAt(j) !== 58) return false;
    j++;
    if (j < end && text.charCodeAt(j) === 58) {
      if (gap >= 0) return false;
      gap = parsed.length;
      j++;
    } else if (j === end) {
      return false; // a trailing single ':'
    }
    i = j;
  }
  const total = parsed.length * 2 + tailBytes;
  if (gap < 0 ? total !== 16 : total > 14) return false;
  out.fill(0, offset, offset + 16);
  for (let g = 0; g < parsed.length; g++) {
    const at = gap >= 0 && g >= gap ? 16 - tailBytes - (parsed.length - g) * 2 : g * 2;
    out[offset + at] = parsed[g]! >> 8;
    out[offset + at + 1] = parsed[g]! & 0xff;
  }
  if (tailBytes) out.set(quad, offset + 12);
  return true;
}

/** The address as 16 bytes, or undefined. */
export function parseIpv6(text: string): Uint8Array | undefined {
  const out = new Uint8Array(16);
  return parseIpv6Into(text, 0, text.length, out, 0) ? out : undefined;
}
