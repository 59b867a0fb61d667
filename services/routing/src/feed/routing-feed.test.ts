import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BusConnection, ensureStateStream } from '@isthmus/bus';
import { natsUrl, pollUntil, uniqueName } from '@isthmus/testing';
import { defaultPolicy, DesiredTableState, type DesiredRouteEntry, type RoutingSettings } from '../core';
import { Upstream } from '../testing/upstream';
import { RoutingFeed, type ClusterPolicySource } from './routing-feed';

/**
 * The feed against a real NATS: the registry's and IPAM's streams as their services write them
 * (one subject per entity, state or tombstone), and the table the feed keeps from them.
 */
describe('RoutingFeed', () => {
  const root = uniqueName('rt').toLowerCase();
  const registryStream = uniqueName('RT_REGISTRY');
  const ipamStream = uniqueName('RT_IPAM');
  let bus: BusConnection;
  let u: Upstream;
  const feeds: RoutingFeed[] = [];
  const settings: RoutingSettings = { localAsn: 64511, requireVerdict: true, staleAfterMs: 600 };
  const tags = new Map<string, number>();
  const policies: ClusterPolicySource = {
    policyFor: async (cluster) => {
      if (!tags.has(cluster)) tags.set(cluster, tags.size + 1);
      return defaultPolicy(tags.get(cluster)!);
    },
  };

  /** A feed on its own durables, with the table and what it was told. */
  async function openFeed(name: string, over: Partial<RoutingSettings> = {}, ipam = ipamStream) {
    const table = new DesiredTableState({ ...settings, ...over }, Date.now());
    const sent = new Map<string, DesiredRouteEntry>();
    let batches = 0;
    const feed = new RoutingFeed({
      nc: await bus.connection(),
      settings: {
        subjectRoot: root,
        registryStream,
        ipamStream: ipam,
        durablePrefix: `${root}-${name}`,
        requireVerdict: over.requireVerdict ?? settings.requireVerdict,
      },
      table,
      policies,
      onChanges: (changes) => {
        batches++;
        for (const r of changes.upserted) sent.set(r.prefix, r);
        for (const p of changes.withdrawn) sent.delete(p);
      },
    });
    feeds.push(feed);
    // Sorted by prefix: the order in which a feed learned its routes depends on how the three
    // consumers' deliveries interleave, and two feeds are compared as text below.
    const hops = () =>
      Object.fromEntries(
        [...sent.values()]
          .map((r) => [r.prefix, r.nextHop] as const)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      );
    return { feed, table, sent, hops, batches: () => batches };
  }

  beforeAll(async () => {
    bus = new BusConnection(natsUrl(), 'routing-feed-test', undefined, { reconnectTimeWaitMs: 100 });
    const jsm = await bus.jetstreamManager();
    await ensureStateStream(jsm, { name: registryStream, subjects: [`${root}.registry.>`] });
    await ensureStateStream(jsm, { name: ipamStream, subjects: [`${root}.ipam.>`] });
    u = new Upstream(bus, root);
  });
  afterEach(async () => {
    for (const feed of feeds.splice(0)) await feed.stop();
  });
  afterAll(async () => {
    const jsm = await bus.jetstreamManager();
    for (const s of [registryStream, ipamStream]) await jsm.streams.delete(s).catch(() => undefined);
    await bus.close();
  });

  async function started(opening: ReturnType<typeof openFeed>) {
    const f = await opening;
    await f.feed.start();
    return f;
  }

  it('routes valid blocks once the streams are replayed, and follows verdicts, moves and removals', async () => {
    await u.registry(
      u.cluster('k8s'),
      u.block('k8s', '192.168.0.0/26', 'w1', '192.0.2.11'),
      u.block('k8s', '192.168.0.64/26', 'w2', '192.0.2.12'),
      u.block('k8s', 'fd00:1::/64', 'w1', '2001:db8::11'),
    );
    await u.ipam(
      u.verdict('k8s', '192.168.0.0/26', 'w1', 'valid'),
      u.verdict('k8s', '192.168.0.64/26', 'w2', 'conflict'),
      u.verdict('k8s', 'fd00:1::/64', 'w1', 'valid'),
    );
    const f = await started(openFeed('a'));
    await f.feed.ready;
    await pollUntil('the replayed table', () => Object.keys(f.hops()).length === 2, {
      describeLast: () => JSON.stringify(f.hops()),
    });
    expect(f.hops()).toEqual({ '192.168.0.0/26': '192.0.2.11', 'fd00:1::/64': '2001:db8::11' });
    expect(f.sent.get('192.168.0.0/26')?.attributes.largeCommunities).toEqual([[64511, 1, tags.get('k8s')]]);

    // The conflict cleared: routed. The block moved to another node: new next hop. Removed: withdrawn.
    await u.ipam(u.verdict('k8s', '192.168.0.64/26', 'w2', 'valid'));
    await pollUntil('the cleared block', () => f.hops()['192.168.0.64/26'] === '192.0.2.12');
    await u.registry(u.block('k8s', '192.168.0.0/26', 'w3', '192.0.2.13'));
    await pollUntil('the moved block', () => f.hops()['192.168.0.0/26'] === '192.0.2.13');
    await u.registry(u.blockGone('k8s', 'fd00:1::/64'));
    await pollUntil('the withdrawal', () => !('fd00:1::/64' in f.hops()));
    // A block without a verdict waits.
    await u.registry(u.block('k8s', '192.168.1.0/26', 'w1', '192.0.2.11'));
    await pollUntil('the block in the table, as no-verdict', () =>
      f.table.snapshot().excluded.some((e) => e.cidr === '192.168.1.0/26' && e.reason === 'no-verdict'),
    );
    expect(f.hops()['192.168.1.0/26']).toBeUndefined();

    // A second replica (its own durables) replays the same table.
    const g = await started(openFeed('b'));
    await g.feed.ready;
    await pollUntil(
      'the second replica to agree',
      () => JSON.stringify(g.hops()) === JSON.stringify(f.hops()),
      {
        describeLast: () => `${JSON.stringify(g.hops())} vs ${JSON.stringify(f.hops())}`,
      },
    );
  });

  it('keeps a lost cluster until the stale timeout, withdraws a deleted one at once', async () => {
    await u.registry(u.cluster('lost-one'), u.block('lost-one', '10.20.0.0/24', 'n1', '192.0.2.31'));
    await u.registry(u.cluster('gone-one'), u.block('gone-one', '10.21.0.0/24', 'n1', '192.0.2.41'));
    await u.ipam(
      u.verdict('lost-one', '10.20.0.0/24', 'n1', 'valid'),
      u.verdict('gone-one', '10.21.0.0/24', 'n1', 'valid'),
    );
    const f = await started(openFeed('c', { staleAfterMs: 1500 }));
    await pollUntil('both routes', () => f.hops()['10.20.0.0/24'] && f.hops()['10.21.0.0/24']);

    const lostAt = Date.now();
    await u.registry(u.cluster('lost-one', 'lost'));
    await u.registry(u.clusterGone('gone-one'));
    await pollUntil('the deleted cluster withdrawn', () => !f.hops()['10.21.0.0/24']);
    expect(f.hops()['10.20.0.0/24']).toBe('192.0.2.31');
    // A later event of the still-lost cluster does not restart its stale clock.
    await u.registry(u.cluster('lost-one', 'lost'));
    await pollUntil('the stale cluster withdrawn', () => !f.hops()['10.20.0.0/24'], { timeoutMs: 20_000 });
    expect(Date.now() - lostAt).toBeGreaterThanOrEqual(1500 - 50);
    expect(f.table.snapshot().excluded.find((e) => e.cidr === '10.20.0.0/24')?.reason).toBe('stale');

    // Synced again: routed again.
    await u.registry(u.cluster('lost-one', 'synced'));
    await pollUntil('the cluster back', () => f.hops()['10.20.0.0/24'] === '192.0.2.31');
  });

  it('is ready without IPAM when verdicts are not required, and routes blocks without verdicts', async () => {
    const noIpam = uniqueName('RT_NO_IPAM');
    await u.registry(u.cluster('free'), u.block('free', '10.30.0.0/24', 'n1', '192.0.2.51'));
    const f = await started(openFeed('d', { requireVerdict: false }, noIpam));
    await f.feed.ready;
    await pollUntil('the route without a verdict', () => f.hops()['10.30.0.0/24'] === '192.0.2.51');
  });
});
