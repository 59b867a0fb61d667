import { describe, expect, it } from 'vitest';
import {
  addressBits,
  prefixContains,
  prefixContainsAddress,
  prefixesOverlap,
  prefixOf,
  type IpFamily,
  type Prefix,
} from '../prefix/prefix';
import { formatPrefix, parsePrefix } from '../prefix/prefix-text';
import { SeededRandom } from '../testing/seeded-random';
import { PrefixTrie, type PrefixEntry } from './prefix-trie';

const p = parsePrefix;
const keys = (entries: PrefixEntry<unknown>[]) => entries.map((e) => `${formatPrefix(e.prefix)} ${e.key}`);

function seed002(): PrefixTrie<string> {
  const trie = new PrefixTrie<string>();
  trie.set(p('192.168.0.0/16'), 'pool', 'pool');
  trie.set(p('192.168.0.0/17'), 'k8s', 'allocation');
  trie.set(p('192.168.128.0/17'), 'dcos', 'allocation');
  trie.set(p('192.168.0.0/26'), 'k8s', 'block');
  trie.set(p('192.168.0.64/26'), 'k8s', 'block');
  trie.set(p('192.168.0.64/26'), 'dcos', 'block');
  trie.set(p('192.168.0.70/32'), 'web', 'endpoint');
  return trie;
}

describe('PrefixTrie', () => {
  it('matches an address most specific first, equal prefixes in insertion order', () => {
    const trie = seed002();
    expect(keys(trie.match(4, p('192.168.0.70/32').base))).toEqual([
      '192.168.0.70/32 web',
      '192.168.0.64/26 k8s',
      '192.168.0.64/26 dcos',
      '192.168.0.0/17 k8s',
      '192.168.0.0/16 pool',
    ]);
    expect(keys(trie.match(4, p('192.168.200.1/32').base))).toEqual([
      '192.168.128.0/17 dcos',
      '192.168.0.0/16 pool',
    ]);
    expect(trie.match(4, p('10.0.0.1/32').base)).toEqual([]);
    expect(trie.match(6, 0n)).toEqual([]);
    expect(trie.size).toBe(7);
  });

  it('finds what covers a prefix and what it covers', () => {
    const trie = seed002();
    expect(keys(trie.covering(p('192.168.0.64/26')))).toEqual([
      '192.168.0.64/26 k8s',
      '192.168.0.64/26 dcos',
      '192.168.0.0/17 k8s',
      '192.168.0.0/16 pool',
    ]);
    expect(keys(trie.coveredBy(p('192.168.0.0/24')))).toEqual([
      '192.168.0.0/26 k8s',
      '192.168.0.64/26 k8s',
      '192.168.0.64/26 dcos',
      '192.168.0.70/32 web',
    ]);
    expect(keys(trie.overlapping(p('192.168.0.0/25')))).toEqual([
      '192.168.0.0/17 k8s',
      '192.168.0.0/16 pool',
      '192.168.0.0/26 k8s',
      '192.168.0.64/26 k8s',
      '192.168.0.64/26 dcos',
      '192.168.0.70/32 web',
    ]);
    expect(trie.coveredBy(p('192.168.1.0/24'))).toEqual([]);
    expect(trie.coveredBy(p('10.0.0.0/8'))).toEqual([]);
  });

  it('replaces a value under the same key and prefix', () => {
    const trie = seed002();
    trie.set(p('192.168.0.0/26'), 'k8s', 'moved');
    expect(trie.get(p('192.168.0.0/26'), 'k8s')).toBe('moved');
    expect(trie.size).toBe(7);
  });

  it('removes entries and the nodes they leave empty', () => {
    const trie = seed002();
    expect(trie.delete(p('192.168.0.64/26'), 'k8s')).toBe(true);
    expect(trie.delete(p('192.168.0.64/26'), 'k8s')).toBe(false);
    expect(trie.delete(p('192.168.0.64/27'), 'dcos')).toBe(false);
    expect(keys(trie.at(p('192.168.0.64/26')))).toEqual(['192.168.0.64/26 dcos']);
    for (const e of [...trie.coveredBy(p('0.0.0.0/0'))]) trie.delete(e.prefix, e.key);
    expect(trie.size).toBe(0);
    expect(trie.coveredBy(p('0.0.0.0/0'))).toEqual([]);
  });

  it('stores /0 and full-length prefixes of both families', () => {
    const trie = new PrefixTrie<number>();
    trie.set(p('::/0'), 'default', 1);
    trie.set(p('2001:db8::1/128'), 'host', 2);
    trie.set(p('0.0.0.0/0'), 'default4', 3);
    expect(keys(trie.match(6, p('2001:db8::1/128').base))).toEqual(['2001:db8::1/128 host', '::/0 default']);
    expect(keys(trie.match(4, 1n))).toEqual(['0.0.0.0/0 default4']);
    expect(trie.delete(p('::/0'), 'default')).toBe(true);
    expect(keys(trie.match(6, p('2001:db8::1/128').base))).toEqual(['2001:db8::1/128 host']);
  });

  it('agrees with a linear scan under seeded random inserts and deletes (IPv4 and IPv6)', () => {
    for (const family of [4, 6] as IpFamily[]) {
      const random = new SeededRandom(family * 1000 + 7);
      const bits = addressBits(family);
      const trie = new PrefixTrie<string>();
      const model = new Map<string, { prefix: Prefix; key: string }>();
      // A narrow space (the top bits shared) so that prefixes nest and collide often.
      const top = family === 4 ? 0x0a000000n : 0x20010db8n << 96n;
      const randomPrefix = () =>
        prefixOf(family, top | (random.bits(16) << BigInt(bits - 24)), 8 + random.below(bits - 7));
      for (let step = 0; step < 3000; step++) {
        const prefix = randomPrefix();
        const key = `k${random.below(3)}`;
        const id = `${formatPrefix(prefix)} ${key}`;
        if (random.chance(0.35) && model.size > 0) {
          const victim = random.pick([...model.values()]);
          expect(trie.delete(victim.prefix, victim.key)).toBe(true);
          model.delete(`${formatPrefix(victim.prefix)} ${victim.key}`);
        } else {
          trie.set(prefix, key, id);
          model.set(id, { prefix, key });
        }
        if (step % 50 !== 0) continue;
        expect(trie.size).toBe(model.size);
        const probe = randomPrefix();
        const address = probe.base | random.bits(bits - probe.length);
        const all = [...model.entries()];
        const expectSameSet = (actual: PrefixEntry<string>[], wanted: (q: Prefix) => boolean) =>
          expect(actual.map((e) => e.value).sort()).toEqual(
            all
              .filter(([, v]) => wanted(v.prefix))
              .map(([id]) => id)
              .sort(),
          );
        expectSameSet(trie.match(family, address), (q) => prefixContainsAddress(q, family, address));
        expectSameSet(trie.covering(probe), (q) => prefixContains(q, probe));
        expectSameSet(trie.coveredBy(probe), (q) => prefixContains(probe, q));
        expectSameSet(trie.overlapping(probe), (q) => prefixesOverlap(q, probe));
        const lengths = trie.match(family, address).map((e) => e.prefix.length);
        expect(lengths).toEqual([...lengths].sort((a, b) => b - a));
      }
    }
  });
});
