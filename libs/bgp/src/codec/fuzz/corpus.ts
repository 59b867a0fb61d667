import type { ErrorHandling } from '../types';

/** One known-bad message of testdata/bad-messages.txt and what decoding it must report. */
export interface CorpusEntry {
  name: string;
  /** The comment lines above the entry: what is wrong with it. */
  comment: string;
  code: number;
  subcode: number;
  handling: ErrorHandling;
  /** The 2-octet (false) or 4-octet (true) AS session it is decoded on. */
  fourOctetAs: boolean;
  bytes: Uint8Array;
}

const HANDLINGS: readonly ErrorHandling[] = [
  'attribute-discard',
  'treat-as-withdraw',
  'afi-safi-disable',
  'session-reset',
];

/**
 * Parses the corpus format: `# comment` lines, then `name code/subcode handling as2|as4 hex` lines.
 * Throws on a line it cannot read, so a corrupted corpus fails loudly.
 */
export function parseCorpus(text: string): CorpusEntry[] {
  const entries: CorpusEntry[] = [];
  let comment: string[] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '') {
      comment = []; // a comment belongs to the entry right below it
      continue;
    }
    if (line.startsWith('#')) {
      comment.push(line.replace(/^#\s?/, ''));
      continue;
    }
    const m = /^(\S+)\s+(\d+)\/(\d+)\s+(\S+)\s+(as2|as4)\s+([0-9a-f]+)$/.exec(line);
    const handling = m?.[4] as ErrorHandling | undefined;
    if (!m || !handling || !HANDLINGS.includes(handling) || m[6]!.length % 2 !== 0) {
      throw new Error(`corpus line ${index + 1} is not "name code/subcode handling as2|as4 hex": ${line}`);
    }
    entries.push({
      name: m[1]!,
      comment: comment.join(' '),
      code: Number(m[2]),
      subcode: Number(m[3]),
      handling,
      fourOctetAs: m[5] === 'as4',
      bytes: Uint8Array.from(Buffer.from(m[6]!, 'hex')),
    });
    comment = [];
  }
  return entries;
}
