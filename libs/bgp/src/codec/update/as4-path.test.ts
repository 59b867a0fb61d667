import { describe, expect, it } from 'vitest';
import type { AsPathSegment } from '../types';
import { mergeAs4Path } from './as4-path';

const seq = (...asns: number[]): AsPathSegment => ({ kind: 'sequence', asns });
const set = (...asns: number[]): AsPathSegment => ({ kind: 'set', asns });
const confed = (...asns: number[]): AsPathSegment => ({ kind: 'confed-sequence', asns });
const T = 23456; // AS_TRANS

describe('mergeAs4Path (RFC 6793 §4.2.3)', () => {
  it('takes AS4_PATH whole when both have as many ASNs', () => {
    expect(mergeAs4Path([seq(T, 65002)], [seq(4200000000, 65002)])).toEqual([seq(4200000000, 65002)]);
  });

  it('prepends the ASNs OLD speakers added to AS_PATH only, in one sequence', () => {
    expect(mergeAs4Path([seq(65010, 65011, T, 65002)], [seq(4200000000, 65002)])).toEqual([
      seq(65010, 65011, 4200000000, 65002),
    ]);
  });

  it('counts a set as one ASN and keeps it whole', () => {
    expect(mergeAs4Path([set(65010, 65011), seq(T)], [seq(4200000000)])).toEqual([
      set(65010, 65011),
      seq(4200000000),
    ]);
  });

  it('keeps leading confederation segments, which count as no ASN', () => {
    expect(mergeAs4Path([confed(64512), seq(65010, T)], [seq(4200000000)])).toEqual([
      confed(64512),
      seq(65010, 4200000000),
    ]);
  });

  it('ignores an AS4_PATH longer than AS_PATH', () => {
    expect(mergeAs4Path([seq(T)], [seq(4200000000, 4200000001)])).toEqual([seq(T)]);
  });
});
