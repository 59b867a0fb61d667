// The pure core of the Adj-RIB-Out (RFC 4271 §9.1.3): what the peer has, what it should have →
// the announcements (grouped by attribute set) and withdrawals that take it there. No IO, no clock.
import type { Afi, Prefix } from '../codec/types';
import type { AttributeSet } from './attribute-set';

export interface RouteDiff {
  /**
   * Prefixes to announce per attribute set. A prefix whose attributes changed is only here: the
   * new announcement replaces the old route (RFC 4271 §3.1, implicit withdraw).
   */
  announce: Map<AttributeSet, Prefix[]>;
  withdraw: Record<Afi, Prefix[]>;
}

export interface DiffOptions {
  /** Only these prefixes may have changed (a delta); all of both tables when absent. */
  candidates?: Iterable<Prefix>;
  /** Families the peer negotiated (RFC 4760 §8): routes of other families are left out. */
  families: ReadonlySet<Afi>;
  /** Announce every route of these families even if the peer has it (ROUTE-REFRESH, RFC 2918 §4). */
  resend?: ReadonlySet<Afi>;
}

export function prefixAfi(prefix: Prefix): Afi {
  return prefix.includes(':') ? 2 : 1;
}

export function emptyDiff(): RouteDiff {
  return { announce: new Map(), withdraw: { 1: [], 2: [] } };
}

export function diffRoutes(
  advertised: ReadonlyMap<Prefix, AttributeSet>,
  desired: ReadonlyMap<Prefix, AttributeSet>,
  options: DiffOptions,
): RouteDiff {
  const diff = emptyDiff();
  const { families } = options;
  const resend = options.resend ?? new Set<Afi>();
  const announce = (prefix: Prefix, set: AttributeSet): void => {
    const group = diff.announce.get(set);
    if (group) group.push(prefix);
    else diff.announce.set(set, [prefix]);
  };

  if (options.candidates === undefined || resend.size > 0) {
    for (const [prefix, set] of desired) {
      if (!families.has(set.afi)) continue;
      if (advertised.get(prefix) !== set || resend.has(set.afi)) announce(prefix, set);
    }
    for (const prefix of advertised.keys()) {
      if (!desiredFor(desired.get(prefix), families)) diff.withdraw[prefixAfi(prefix)].push(prefix);
    }
    return diff;
  }

  const seen = new Set<Prefix>();
  for (const prefix of options.candidates) {
    if (seen.has(prefix)) continue;
    seen.add(prefix);
    const want = desiredFor(desired.get(prefix), families);
    const has = advertised.get(prefix);
    if (want && want !== has) announce(prefix, want);
    else if (!want && has) diff.withdraw[prefixAfi(prefix)].push(prefix);
  }
  return diff;
}

function desiredFor(set: AttributeSet | undefined, families: ReadonlySet<Afi>): AttributeSet | undefined {
  return set && families.has(set.afi) ? set : undefined;
}

/** What the peer has after the diff was sent. Mutates `advertised`. */
export function applyDiff(advertised: Map<Prefix, AttributeSet>, diff: RouteDiff): void {
  for (const prefix of diff.withdraw[1]) advertised.delete(prefix);
  for (const prefix of diff.withdraw[2]) advertised.delete(prefix);
  for (const [set, prefixes] of diff.announce) for (const prefix of prefixes) advertised.set(prefix, set);
}

export function diffSize(diff: RouteDiff): { announced: number; withdrawn: number } {
  let announced = 0;
  for (const prefixes of diff.announce.values()) announced += prefixes.length;
  return { announced, withdrawn: diff.withdraw[1].length + diff.withdraw[2].length };
}
