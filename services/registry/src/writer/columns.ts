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
 */
export function jsonColumn(texts: readonly string[]): string {
  return texts.join(RS);
}

/** `string_to_array($n, E'\x1e')`: one column of a batch in SQL. */
export const col = (n: number) => `string_to_array($${n}, E'\\x1e')`;
