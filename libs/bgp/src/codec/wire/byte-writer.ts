/**
 * Appends big-endian fields to a buffer that grows as needed (network byte order, RFC 4271 §4).
 * Messages are at most 4096 bytes, so the first allocation nearly always suffices.
 */
export class ByteWriter {
  private buf: Buffer;
  length = 0;

  constructor(initialSize = 4096) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
  }

  u8(value: number): this {
    this.reserve(1);
    this.buf[this.length++] = value & 0xff;
    return this;
  }

  u16(value: number): this {
    this.reserve(2);
    this.buf.writeUInt16BE(value & 0xffff, this.length);
    this.length += 2;
    return this;
  }

  u32(value: number): this {
    this.reserve(4);
    this.buf.writeUInt32BE(value >>> 0, this.length);
    this.length += 4;
    return this;
  }

  bytes(value: Uint8Array, start = 0, end = value.length): this {
    const n = end - start;
    this.reserve(n);
    this.buf.set(value.subarray(start, end), this.length);
    this.length += n;
    return this;
  }

  /** Overwrites a 2-octet field written earlier (a length known only once its content is written). */
  patchU16(offset: number, value: number): void {
    this.buf.writeUInt16BE(value & 0xffff, offset);
  }

  patchU8(offset: number, value: number): void {
    this.buf[offset] = value & 0xff;
  }

  /** A copy of what was written, sized exactly. */
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.length));
  }
}
