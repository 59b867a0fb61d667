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
 * Encoded once, into one Buffer, which node-postgres sends as it is (a binary parameter: for
 * `text`, the UTF-8 bytes). `Array.join` of a thousand 1.9 KB states and node-postgres encoding
 * the 2 MB result cost Node several times what this does (docs/BENCHMARKS.md, issue 10 §5), and
 * `at(i)` gives each text's bytes back for its event without encoding it again.
 */
export class JsonColumn {
  readonly bytes: Buffer;
  /** Where text i starts in `bytes`; text i ends at starts[i + 1] - 1 (the separator). */
  private readonly starts: Uint32Array;

  constructor(texts: readonly string[]) {
    const n = texts.length;
    const lengths = new Uint32Array(n);
    let total = n > 0 ? n - 1 : 0;
    for (let i = 0; i < n; i++) total += lengths[i] = Buffer.byteLength(texts[i]!);
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

  /** The UTF-8 bytes of text i (a view into `bytes`). */
  at(i: number): Buffer {
    return this.bytes.subarray(this.starts[i]!, this.starts[i + 1]! - 1);
  }
}

/** `string_to_array($n, E'\x1e')`: one column of a batch in SQL. */
export const col = (n: number) => `string_to_array($${n}, E'\\x1e')`;
