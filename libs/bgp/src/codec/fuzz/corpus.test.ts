import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BgpDecodeError } from '../errors';
import { decodeMessage } from '../message/message';
import { parseCorpus } from './corpus';

const corpusFile = path.join(__dirname, '../../../testdata/bad-messages.txt');
const corpus = parseCorpus(readFileSync(corpusFile, 'utf8'));

describe('the corpus of bad messages (testdata/bad-messages.txt)', () => {
  it('holds every kind of error the decoder reports', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(60);
    const kinds = new Set(corpus.map((e) => `${e.code}/${e.subcode} ${e.handling}`));
    expect(kinds.size).toBeGreaterThanOrEqual(20);
    for (const entry of corpus) expect(entry.comment, entry.name).not.toBe('');
  });

  it.each(corpus.map((e) => [e.name, e] as const))(
    '%s decodes to the BgpDecodeError it is listed with',
    (_name, entry) => {
      const ctx = { fourOctetAs: entry.fourOctetAs };
      let reported: BgpDecodeError | undefined;
      try {
        reported = decodeMessage(entry.bytes, ctx).errors[0];
      } catch (e) {
        if (!(e instanceof BgpDecodeError)) throw e;
        reported = e;
      }
      expect(reported, 'no error was reported').toBeInstanceOf(BgpDecodeError);
      expect({ code: reported!.code, subcode: reported!.subcode, handling: reported!.handling }).toEqual({
        code: entry.code,
        subcode: entry.subcode,
        handling: entry.handling,
      });
    },
  );

  it('refuses a corrupted corpus line instead of skipping it', () => {
    expect(() => parseCorpus('bad 3/1 session-reset as4 0g')).toThrow(/line 1/);
    expect(() => parseCorpus('bad 3/1 sometimes as4 00')).toThrow(/line 1/);
  });
});
