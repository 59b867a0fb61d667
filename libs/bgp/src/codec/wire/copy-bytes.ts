/**
 * A copy of `buf[start, end)` as a plain Uint8Array. Decoded values must not share memory with the
 * receive buffer, which the session reuses; Buffer#slice would return a view, not a copy.
 */
export function copyBytes(buf: Uint8Array, start = 0, end = buf.length): Uint8Array {
  return new Uint8Array(buf.subarray(start, end));
}
