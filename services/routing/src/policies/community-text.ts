import { z } from 'zod';
import type { Community, LargeCommunity } from '../core';

// Decimal parts without leading zeros: one spelling per community, so that sets compare as text.
const PART = '(0|[1-9]\\d{0,9})';
const COMMUNITY = new RegExp(`^${PART}:${PART}$`);
const LARGE_COMMUNITY = new RegExp(`^${PART}:${PART}:${PART}$`);

/** RFC 1997 `asn:value`, each part 0..65535. */
export const CommunityText = z.string().transform((text, ctx): Community => {
  const m = COMMUNITY.exec(text);
  const [asn, value] = [Number(m?.[1]), Number(m?.[2])];
  if (!m || asn > 0xffff || value > 0xffff) {
    ctx.addIssue({
      code: 'custom',
      message: `"${text}" is not a community: write asn:value, each a decimal number from 0 to 65535 (RFC 1997)`,
    });
    return z.NEVER;
  }
  return [asn, value];
});

/** RFC 8092 `global:local1:local2`, each part 0..4294967295. */
export const LargeCommunityText = z.string().transform((text, ctx): LargeCommunity => {
  const m = LARGE_COMMUNITY.exec(text);
  const parts = [Number(m?.[1]), Number(m?.[2]), Number(m?.[3])] as const;
  if (!m || parts.some((p) => p > 0xffffffff)) {
    ctx.addIssue({
      code: 'custom',
      message:
        `"${text}" is not a large community: write global:local1:local2, ` +
        'each a decimal number from 0 to 4294967295 (RFC 8092)',
    });
    return z.NEVER;
  }
  return parts;
});

/** Sorted, each once: a set of communities has one stored form. */
export function communitySet(list: readonly Community[]): Community[] {
  const seen = new Map(list.map((c) => [c.join(':'), c]));
  return [...seen.values()].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

export function largeCommunitySet(list: readonly LargeCommunity[]): LargeCommunity[] {
  const seen = new Map(list.map((c) => [c.join(':'), c]));
  return [...seen.values()].sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
}
