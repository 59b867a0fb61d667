/**
 * Bytes from annotated hex, for tests written from real bytes: whitespace is ignored and `#` starts
 * a comment that runs to the end of the line, so every field can say what it is.
 */
export function hex(text: string | TemplateStringsArray, ...values: unknown[]): Uint8Array {
  const source =
    typeof text === 'string' ? text : text.reduce((all, part, i) => all + String(values[i - 1]) + part);
  const digits = source.replace(/#.*$/gm, '').replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(digits)) throw new Error(`not an even run of hex digits: ${digits}`);
  return Uint8Array.from(Buffer.from(digits, 'hex'));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
