// IPv4 addresses as dotted quads, without a general-purpose library: the codec formats and parses
// one per prefix, hundreds of thousands per table (see nlri/prefix-wire.ts).

/** The dotted quad of the 4 bytes at `offset` (caller checked they are there). */
export function formatIpv4(buf: Uint8Array, offset: number): string {
  return `${buf[offset]}.${buf[offset + 1]}.${buf[offset + 2]}.${buf[offset + 3]}`;
}

/**
 * Writes the dotted quad `text[start, end)` into `out` at `offset`; false when it is not one
 * (four decimal parts 0..255, no leading zeros, which some parsers would read as octal).
 */
export function parseIpv4Into(
  text: string,
  start: number,
  end: number,
  out: Uint8Array,
  offset: number,
): boolean {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = start; i <= end; i++) {
    const c = i < end ? text.charCodeAt(i) : 46; // a virtual final '.'
    if (c === 46) {
      if (digits === 0 || part > 3) return false;
      out[offset + part++] = value;
      value = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && value === 0) return false;
      value = value * 10 + (c - 48);
      if (++digits > 3 || value > 255) return false;
    } else {
      return false;
    }
  }
  return part === 4;
}

/** The dotted quad as 4 bytes, or undefined. */
export function parseIpv4(text: string): Uint8Array | undefined {
  const out = new Uint8Array(4);
  return parseIpv4Into(text, 0, text.length, out, 0) ? out : undefined;
}
