import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCorpus } from './corpus';
import { runFuzz, runFuzzWith } from './run-fuzz';

const corpusFile = path.join(__dirname, '../../../testdata/bad-messages.txt');

describe('fuzzing the decoder (the short, deterministic run; scripts/fuzz.mjs runs millions)', () => {
  it('decodes 20,000 random and mutated messages without any exception but BgpDecodeError', () => {
    const corpus = parseCorpus(readFileSync(corpusFile, 'utf8')).map((e) => e.bytes);
    // No time budget here: unit tests make no timing assertions (the machines are noisy).
    const report = runFuzz({ count: 20_000, seed: 20_240_601, corpus, timeBudgetMs: Infinity });
    expect(report.failures).toEqual([]);
    expect(report.count).toBe(20_000);
    // The mutations reach past the header: valid messages, handled errors and resets of every
    // message type come out.
    const outcomes = Object.keys(report.outcomes);
    expect(outcomes).toContain('ok');
    expect(outcomes.some((o) => o.startsWith('ok with') && o.endsWith('treat-as-withdraw'))).toBe(true);
    expect(outcomes.some((o) => o.startsWith('ok with') && o.endsWith('attribute-discard'))).toBe(true);
    expect(outcomes.some((o) => o.startsWith('ok with') && o.endsWith('afi-safi-disable'))).toBe(true);
    for (const reset of ['1/1', '1/2', '1/3', '2/0', '2/1', '3/1', '3/10']) expect(outcomes).toContain(reset);
  });

  it('is reproducible from its seed', () => {
    const a = runFuzz({ count: 2000, seed: 7 });
    const b = runFuzz({ count: 2000, seed: 7 });
    expect(a.outcomes).toEqual(b.outcomes);
  });

  it('reports an exception that is not a BgpDecodeError as a failure', () => {
    // The runner must not swallow other exceptions: checked through a decoder that breaks.
    const report = runFuzzWith(
      () => {
        throw new TypeError('boom');
      },
      { count: 3, seed: 1 },
    );
    expect(report.failures).toHaveLength(3);
    expect(report.failures[0]!.problem).toContain('TypeError: boom');
  });
});
