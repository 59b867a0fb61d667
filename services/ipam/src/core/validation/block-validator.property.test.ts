import { describe, expect, it } from 'vitest';
import { prefixContains, prefixesOverlap, prefixOf, type IpFamily, type Prefix } from '../prefix/prefix';
import { formatPrefix, parsePrefix } from '../prefix/prefix-text';
import { SeededRandom } from '../testing/seeded-random';
import { BlockValidator } from './block-validator';
import type { AnnouncedBlock, BlockVerdict, ValidatorInput } from './types';

/**
 * Property: the verdicts depend only on the final set of blocks and allocations (and each
 * block's firstSeen), not on the order the inputs arrive in or how they are batched, as long
 * as each block's (and each allocation's) own inputs keep their order. Checked against a
 * brute-force O(n²) reference of the rules, and the reported changes must add up to the state.
 */

const CLUSTERS = ['k8s', 'dcos', 'nomad'];
const NODES = ['n1', 'n2'];
const SPACES: Record<IpFamily, { prefix: Prefix; lengths: [number, number] }> = {
  // Narrow spaces so that blocks nest, repeat and collide often.
  4: { prefix: parsePrefix('10.0.0.0/22'), lengths: [22, 28] },
  6: { prefix: parsePrefix('2001:db8::/60'), lengths: [60, 66] },
};

function randomPrefix(random: SeededRandom, family: IpFamily): Prefix {
  const { prefix, lengths } = SPACES[family];
  const bits = family === 4 ? 32 : 128;
  const length = lengths[0] + random.below(lengths[1] - lengths[0] + 1);
  return prefixOf(family, prefix.base | random.bits(bits - prefix.length), length);
}

interface Scenario {
  /** Each entity's inputs in their own order. */
  streams: ValidatorInput[][];
}

function scenario(random: SeededRandom): Scenario {
  let revision = 0;
  const streams: ValidatorInput[][] = [];
  const keys = new Set<string>();
  for (let i = 0; i < 40; i++) {
    const cluster = random.pick(CLUSTERS);
    const cidr = formatPrefix(randomPrefix(random, random.chance(0.7) ? 4 : 6));
    if (keys.has(`${cluster}/${cidr}`)) continue;
    keys.add(`${cluster}/${cidr}`);
    const stream: ValidatorInput[] = [];
    let firstSeen = random.below(10); // few distinct values: ties happen
    for (let step = 0, steps = 1 + random.below(4); step < steps; step++) {
      if (random.chance(0.25)) {
        stream.push({ type: 'block-delete', cluster, cidr, revision: ++revision });
        firstSeen += 1 + random.below(5); // a block announced again is a new block, seen later
      } else {
        const block: AnnouncedBlock = {
          cluster,
          cidr,
          node: random.pick(NODES),
          nextHop: '192.0.2.1',
          revision: ++revision,
          firstSeen,
        };
        stream.push({ type: 'block-upsert', block });
      }
    }
    streams.push(stream);
  }
  for (let id = 0; id < 4; id++) {
    const stream: ValidatorInput[] = [];
    for (let step = 0, steps = 1 + random.below(3); step < steps; step++) {
      if (random.chance(0.25)) stream.push({ type: 'allocation-delete', id: `a${id}` });
      else {
        const family: IpFamily = random.chance(0.7) ? 4 : 6;
        const cidr = formatPrefix(
          prefixOf(
            family,
            randomPrefix(random, family).base,
            SPACES[family].lengths[0] + 1 + random.below(2),
          ),
        );
        const purpose = random.chance(0.8) ? 'pods' : 'services';
        stream.push({
          type: 'allocation-upsert',
          allocation: { id: `a${id}`, cluster: random.pick(CLUSTERS), purpose, cidr },
        });
      }
    }
    streams.push(stream);
  }
  return { streams };
}

/** A random interleaving that keeps each stream's order, cut into random batches. */
function interleave(random: SeededRandom, streams: ValidatorInput[][]): ValidatorInput[][] {
  const cursors = streams.map(() => 0);
  const live = streams.map((_, i) => i);
  const inputs: ValidatorInput[] = [];
  while (live.length > 0) {
    const slot = random.below(live.length);
    const s = live[slot]!;
    inputs.push(streams[s]![cursors[s]!++]!);
    if (cursors[s] === streams[s]!.length) live.splice(slot, 1);
  }
  const batches: ValidatorInput[][] = [];
  for (let i = 0; i < inputs.length;) {
    const size = 1 + random.below(5);
    batches.push(inputs.slice(i, (i += size)));
  }
  return batches;
}

interface FinalBlock {
  key: string;
  cluster: string;
  cidr: string;
  prefix: Prefix;
  node: string;
  firstSeen: number;
  firstRevision: number;
}

/** The rules, stated directly over the final state (O(n²), obviously right). */
function reference(streams: ValidatorInput[][]) {
  const blocks: FinalBlock[] = [];
  const allocations: { cluster: string; prefix: Prefix }[] = [];
  for (const stream of streams) {
    let block: FinalBlock | undefined;
    let allocation: { cluster: string; prefix: Prefix } | undefined;
    for (const input of stream) {
      if (input.type === 'block-upsert') {
        const b = input.block;
        block ??= {
          key: `${b.cluster}/${b.cidr}`,
          cluster: b.cluster,
          cidr: b.cidr,
          prefix: parsePrefix(b.cidr),
          node: b.node,
          firstSeen: b.firstSeen,
          firstRevision: b.revision,
        };
        block.node = b.node;
      } else if (input.type === 'block-delete') block = undefined;
      else if (input.type === 'allocation-upsert') {
        const a = input.allocation;
        allocation = a.purpose === 'pods' ? { cluster: a.cluster, prefix: parsePrefix(a.cidr) } : undefined;
      } else allocation = undefined;
    }
    if (block) blocks.push(block);
    if (allocation) allocations.push(allocation);
  }
  const fit = (b: FinalBlock) => {
    const own = allocations.filter((a) => a.cluster === b.cluster && a.prefix.family === b.prefix.family);
    if (own.length === 0) return 'no-pod-allocation';
    return own.some((a) => prefixContains(a.prefix, b.prefix)) ? 'inside' : 'outside';
  };
  const wins = (a: FinalBlock, b: FinalBlock) => {
    const [sa, sb] = [fit(a) === 'outside', fit(b) === 'outside'];
    if (sa !== sb) return sb;
    if (a.firstSeen !== b.firstSeen) return a.firstSeen < b.firstSeen;
    if (a.firstRevision !== b.firstRevision) return a.firstRevision < b.firstRevision;
    return a.key < b.key;
  };
  const conflicts = new Set<string>();
  const verdicts = new Map<
    string,
    Pick<BlockVerdict, 'node' | 'status' | 'allocation' | 'excludedByTotal' | 'excludingTotal'>
  >();
  for (const b of blocks) {
    let excludedBy = 0;
    let excluding = 0;
    for (const o of blocks) {
      if (o === b || !prefixesOverlap(o.prefix, b.prefix) || (o.cluster === b.cluster && o.node === b.node))
        continue;
      if (wins(o, b)) {
        excludedBy++;
        conflicts.add(`${o.key} > ${b.key}`);
      } else excluding++;
    }
    const allocation = fit(b);
    const status = excludedBy > 0 ? 'conflict' : allocation === 'outside' ? 'outside-allocation' : 'valid';
    verdicts.set(b.key, {
      node: b.node,
      status,
      allocation,
      excludedByTotal: excludedBy,
      excludingTotal: excluding,
    });
  }
  return { verdicts, conflicts };
}

/** Replays the inputs batch by batch; returns the final state and what the changes added up to. */
function run(batches: ValidatorInput[][]) {
  const validator = new BlockValidator();
  const published = new Map<string, BlockVerdict>();
  const openConflicts = new Set<string>();
  batches.forEach((batch, at) => {
    const changes = validator.apply(batch, at);
    for (const { cluster, cidr, verdict } of changes.verdicts) {
      if (verdict) published.set(`${cluster}/${cidr}`, verdict);
      else published.delete(`${cluster}/${cidr}`);
    }
    for (const c of changes.conflictsClosed) expect(openConflicts.delete(c.id), `closed ${c.id}`).toBe(true);
    for (const c of changes.conflictsOpened) {
      expect(openConflicts.has(c.id), `opened ${c.id} twice`).toBe(false);
      openConflicts.add(c.id);
    }
  });
  const state = new Map([...validator.verdicts()].map((v) => [`${v.cluster}/${v.cidr}`, v]));
  return { validator, state, published, openConflicts };
}

const comparable = (verdicts: Map<string, Partial<BlockVerdict>>) =>
  Object.fromEntries(
    [...verdicts]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => [k, [v.node, v.status, v.allocation, v.excludedByTotal, v.excludingTotal]]),
  );

describe('BlockValidator properties (seeded)', () => {
  it.each(Array.from({ length: 150 }, (_, i) => 9000 + i))(
    'seed %i: order-independent and equal to the reference',
    (seed) => {
      const random = new SeededRandom(seed);
      const { streams } = scenario(random);
      const expected = reference(streams);
      let first: ReturnType<typeof run> | undefined;
      for (let order = 0; order < 3; order++) {
        const result = run(interleave(random, streams));
        expect(comparable(result.state)).toEqual(comparable(expected.verdicts));
        // What was published adds up to the state; so do the conflicts opened and closed.
        expect([...result.published.values()]).toEqual(
          [...result.published.keys()].map((k) => result.state.get(k)),
        );
        expect(result.published.size).toBe(result.state.size);
        expect([...result.openConflicts].sort()).toEqual([...expected.conflicts].sort());
        expect(
          result.validator
            .conflicts()
            .map((c) => c.id)
            .sort(),
        ).toEqual([...expected.conflicts].sort());
        // The full verdicts (with the named parties) are the same for every order.
        if (first) expect(result.state).toEqual(first.state);
        first ??= result;
      }
    },
  );
});
