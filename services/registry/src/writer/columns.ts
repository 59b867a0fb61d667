/**
 * Batch parameters as columns of text joined by ASCII RS (0x1e), split in SQL with
 * string_to_array($n, E'\x1e'). Neither side escapes anything: JSON text never contains a raw
 * control character (JSON.stringify escapes them), and names, subjects and prefixes cannot
 * (ObjectName and DnsLabel refuse control characters; subject tokens escape them). Array
 * parameters (text[]) were the first design: node-postgres escapes every element in JS, and
 * that dominated the writer's profile (docs/BENCHMARKS.md).
 */
export const RS = '\u001e';

export function column(values: readonly string[]): string {
  for (const v of values) {
    if (v.includes(RS)) throw new Error(`a value contains the record separator U+001E: ${JSON.stringify(v)}`);
  }
  return values.join(RS);
}

/**
 * A column of JSON texts made by JSON.stringify, which escapes every control character: they
 * cannot hold U+001E, and scanning every state for it took a tenth of the writer's time.
 *
 * Encoded once, into one Buffer: `at(i)` gives each text's bytes back for its event without
 * encoding it again, and `text()` the column as the parameter. Measured in the churn bench
 * (docs/BENCHMARKS.md, issue 10 §5): `Array.join` of a thousand 1.9 KB states took about 12 ms
 * per batch, encoding them into one Buffer and decoding it back (latin1 when ASCII: a UTF-8 decode
 * of 2 MB took 8 ms) about 4 ms. The Buffer itself as a
 * parameter (node-postgres sends a Buffer in binary format, which for `text` is its UTF-8) is
 * cheaper still for Node, but doubled PostgreSQL's CPU per event (about 61 µs instead of 31).
 */
export class JsonColumn {
  readonly bytes: Buffer;
  /** Every text is ASCII: then `text()` is a copy of the bytes (latin1) rather than a UTF-8 decode. */
  private readonly ascii: boolean;
  /** Where text i starts in `bytes`; text i ends at starts[i + 1] - 1 (the separator). */
  private readonly starts: Uint32Array;

  constructor(texts: readonly string[]) {
    const n = texts.length;
    const lengths = new Uint32Array(n);
    let total = n > 0 ? n - 1 : 0;
    let ascii = true;
    for (let i = 0; i < n; i++) {
      total += lengths[i] = Buffer.byteLength(texts[i]!);
      // A text of as many UTF-8 bytes as UTF-16 code units has no code unit above 0x7f.
      if (lengths[i] !== texts[i]!.length) ascii = false;
    }
    this.ascii = ascii;
    this.bytes = Buffer.allocUnsafe(total);
    this.starts = new Uint32Array(n + 1);
    let at = 0;
    for (let i = 0; i < n; i++) {
      if (i > 0) this.bytes[at++] = 0x1e;
      this.starts[i] = at;
      at += this.bytes.write(texts[i]!, at, lengths[i]!, 'utf8');
    }
    this.starts[n] = at + 1;
  }

  /** The column as one string: the texts joined by U+001E. */
  text(): string {
    return this.bytes.toString(this.ascii ? 'latin1' : 'utf8');
  }

  /** The UTF-8 bytes of text i (a view into `bytes`). */
  at(i: number): Buffer {
    return this.bytes.subarray(this.starts[i]!, this.starts[i + 1]! - 1);
  }
}

/** `string_to_array($n, E'\x1e')`: one column of a batch in SQL. */
export const col = (n: number) => `string_to_array($${n}, E'\\x1e')`;
