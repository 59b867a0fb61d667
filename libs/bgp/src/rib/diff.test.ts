import { describe, expect, it } from 'vitest';
import type { Afi, Prefix } from '../codec/types';
import { AttributeSetInterner, type AttributeSet } from './attribute-set';
import { applyDiff, diffRoutes, type RouteDiff } from './diff';
import type { PathOptions } from './route-input';

const interner = new AttributeSetInterner();
const both: ReadonlySet<Afi> = new Set([1, 2]);
const k8s: PathOptions = { communities: [((64511 << 16) | 1) >>> 0] };
const nomad: PathOptions = { communities: [((64511 << 16) | 2) >>> 0], largeCommunities: [[64511, 1, 2]] };

const set = (nextHop: string, attributes?: PathOptions): AttributeSet =>
  interner.intern({ nextHop, attributes });

function table(...entries: [Prefix, AttributeSet][]): Map<Prefix, AttributeSet> {
  return new Map(entries);
}

/** The diff as sorted plain data, so two diffs compare regardless of order. */
function normalized(diff: RouteDiff): { announce: [string, string[]][]; withdraw: Record<Afi, string[]> } {
  return {
    announce: [...diff.announce]
      .map(([s, prefixes]): [string, string[]] => [s.key, [...prefixes].sort()])
      .sort((a, b) => a[0].localeCompare(b[0])),
    withdraw: { 1: [...diff.withdraw[1]].sort(), 2: [...diff.withdraw[2]].sort() },
  };
}

const nodeA = set('192.0.2.10', k8s);
const nodeB = set('198.51.100.20', k8s);
const nodeV6 = set('2001:db8::10', nomad);

const desired = table(
  ['10.1.0.0/26', nodeA],
  ['10.1.0.64/26', nodeA],
  ['10.1.0.128/26', nodeB],
  ['2001:db8:1::/64', nodeV6],
);

describe('diffRoutes', () => {
  it('from nothing: every route, grouped by attribute set', () => {
    const diff = diffRoutes(new Map(), desired, { families: both });
    expect(normalized(diff)).toEqual({
      announce: [
        [nodeA.key, ['10.1.0.0/26', '10.1.0.64/26']],
        [nodeB.key, ['10.1.0.128/26']],
        [nodeV6.key, ['2001:db8:1::/64']],
      ].sort((a, b) => (a[0] as string).localeCompare(b[0] as string)),
      withdraw: { 1: [], 2: [] },
    });
  });

  it('is idempotent: once applied, the same desired table gives an empty diff', () => {
    const advertised = new Map<Prefix, AttributeSet>();
    applyDiff(advertised, diffRoutes(advertised, desired, { families: both }));
    expect(advertised).toEqual(desired);
    const again = diffRoutes(advertised, desired, { families: both });
    expect(again.announce.size).toBe(0);
    expect(again.withdraw).toEqual({ 1: [], 2: [] });
  });

  it('does not depend on the order of its input', () => {
    const advertised = table(['10.9.0.0/26', nodeA], ['10.1.0.0/26', nodeB], ['2001:db8:9::/64', nodeV6]);
    const reversed = new Map([...desired].reverse());
    const advertisedReversed = new Map([...advertised].reverse());
    const a = normalized(diffRoutes(advertised, desired, { families: both }));
    const b = normalized(diffRoutes(advertisedReversed, reversed, { families: both }));
    expect(b).toEqual(a);
    const c = normalized(
      diffRoutes(advertised, desired, {
        families: both,
        candidates: [...advertised.keys(), ...desired.keys()],
      }),
    );
    expect(c).toEqual(a);
  });

  it('a changed attribute re-announces without a withdrawal (implicit withdraw, RFC 4271 §3.1)', () => {
    const moved = new Map(desired).set('10.1.0.0/26', nodeB);
    const diff = diffRoutes(desired, moved, { families: both });
    expect(normalized(diff)).toEqual({
      announce: [[nodeB.key, ['10.1.0.0/26']]],
      withdraw: { 1: [], 2: [] },
    });
  });

  it('a community change is an attribute change, with the same next hop', () => {
    const recoloured = new Map(desired).set('10.1.0.64/26', set('192.0.2.10', nomad));
    const diff = diffRoutes(desired, recoloured, { families: both });
    expect(diff.announce.size).toBe(1);
    expect([...diff.announce.values()]).toEqual([['10.1.0.64/26']]);
  });

  it('withdraws what is no longer desired, per family', () => {
    const fewer = table(['10.1.0.0/26', nodeA]);
    const diff = diffRoutes(desired, fewer, { families: both });
    expect(diff.announce.size).toBe(0);
    expect(normalized(diff).withdraw).toEqual({
      1: ['10.1.0.128/26', '10.1.0.64/26'],
      2: ['2001:db8:1::/64'],
    });
  });

  it('leaves out families the peer did not negotiate (RFC 4760 §8)', () => {
    const diff = diffRoutes(new Map(), desired, { families: new Set([1]) });
    expect([...diff.announce.keys()]).not.toContain(nodeV6);
    expect(diffRoutes(new Map(), desired, { families: new Set([2]) }).announce.size).toBe(1);
  });

  it('with candidates, looks only at them, and each once', () => {
    const changed = new Map(desired).set('10.1.0.0/26', nodeB).set('10.1.0.64/26', nodeB);
    changed.delete('10.1.0.128/26');
    const diff = diffRoutes(desired, changed, {
      families: both,
      candidates: ['10.1.0.0/26', '10.1.0.128/26', '10.1.0.0/26', '10.7.0.0/26'],
    });
    expect(normalized(diff)).toEqual({
      announce: [[nodeB.key, ['10.1.0.0/26']]],
      withdraw: { 1: ['10.1.0.128/26'], 2: [] },
    });
  });

  it('resends every route of a refreshed family, and still withdraws (RFC 2918 §4)', () => {
    const fewer = new Map(desired);
    fewer.delete('10.1.0.128/26');
    const diff = diffRoutes(desired, fewer, { families: both, resend: new Set([1]), candidates: [] });
    expect(normalized(diff)).toEqual({
      announce: [[nodeA.key, ['10.1.0.0/26', '10.1.0.64/26']]],
      withdraw: { 1: ['10.1.0.128/26'], 2: [] },
    });
  });
});

describe('AttributeSetInterner', () => {
  it('gives equal attributes one object, whatever the spelling and order', () => {
    const a = interner.intern({ nextHop: '2001:DB8::10', attributes: { communities: [2, 1, 2] } });
    const b = interner.intern({
      nextHop: '2001:db8::10',
      attributes: { communities: [1, 2], origin: 'igp' },
    });
    expect(a).toBe(b);
    expect(a.communities).toEqual([1, 2]);
    expect(a.nextHop).toBe('2001:db8::10');
    expect(interner.intern({ nextHop: '192.0.2.1' })).toBe(
      interner.intern({ nextHop: '192.0.2.1', attributes: {} }),
    );
  });

  it('tells different next hops and attributes apart', () => {
    const sets = new Set([
      set('192.0.2.1'),
      set('192.0.2.2'),
      set('192.0.2.1', { med: 10 }),
      set('192.0.2.1', { localPref: 200 }),
      set('192.0.2.1', { origin: 'incomplete' }),
      set('192.0.2.1', { largeCommunities: [[1, 2, 3]] }),
      set('192.0.2.1', { communities: [1] }),
    ]);
    expect(sets.size).toBe(7);
  });

  it.each([
    [{ nextHop: 'not-an-address' }, /not an address/],
    [{ nextHop: '192.0.2.1', attributes: { med: -1 } }, /med -1/],
    [{ nextHop: '192.0.2.1', attributes: { communities: [2 ** 32] } }, /community/],
    [{ nextHop: '192.0.2.1', attributes: { largeCommunities: [[1, 2]] } }, /large community/],
    [{ nextHop: '192.0.2.1', attributes: { origin: 'bgp' } }, /origin/],
  ] as [never, RegExp][])('refuses %o', (route, message) => {
    expect(() => new AttributeSetInterner().intern(route)).toThrow(message);
  });
});
