import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '@isthmus/testing';
import { ClusterPoliciesFeed } from '../policies/cluster-policies-feed';
import { ClusterPolicyStore } from '../policies/cluster-policy-store';
import { startRouting, type RoutingUnderTest } from '../testing/routing-harness';
import type { Peer } from './peer';
import { PeersFeed } from './peers-feed';

/**
 * Two replicas on one database: what is written through one reaches the other's feeds without
 * a restart. The periodic re-read is an hour here, so only the notification can bring it.
 */
describe('two routing replicas on one database', () => {
  let a: RoutingUnderTest;
  let b: RoutingUnderTest;
  const seenByB: (readonly Peer[])[] = [];

  beforeAll(async () => {
    a = await startRouting({ env: { ROUTING_CONFIG_RESYNC_MS: '3600000' } });
    b = await startRouting({
      db: a.db,
      env: { ROUTING_CONFIG_RESYNC_MS: '3600000', ROUTING_ROUTER_ID: '127.255.0.2' },
    });
    b.app.get(PeersFeed).subscribe((peers) => seenByB.push(peers));
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('passes the current list to a new listener at once', () => {
    expect(seenByB).toEqual([[]]);
  });

  it('a peer created, changed and deleted through one replica is seen by the other', async () => {
    const feed = b.app.get(PeersFeed);
    const created = await a.request('POST', '/v1/peers', {
      address: '127.0.0.2',
      peerAsn: 64511,
      name: 'rr1',
    });
    expect(created.status).toBe(201);
    const [peer] = await pollUntil('the peer at replica b', () => feed.peers.length === 1 && feed.peers);
    expect(peer).toMatchObject({
      id: created.body.id,
      address: '127.0.0.2',
      family: 4,
      port: 179,
      name: 'rr1',
    });
    expect(seenByB.at(-1)).toEqual([peer]);

    await a.request('PATCH', `/v1/peers/${created.body.id}`, { holdTimeSeconds: 9 });
    await pollUntil('the change at replica b', () => feed.peers[0]?.holdTimeSeconds === 9);

    // And the other way round.
    const second = await b.request('POST', '/v1/peers', {
      address: '::1',
      peerAsn: 64511,
      passive: true,
    });
    const feedA = a.app.get(PeersFeed);
    await pollUntil('the second peer at replica a', () => feedA.peers.length === 2);
    expect(feedA.peers.map((p) => p.address)).toEqual(['127.0.0.2', '::1']);

    await a.request('DELETE', `/v1/peers/${created.body.id}`);
    await pollUntil('the deletion at replica b', () => feed.peers.length === 1);
    expect(feed.peers[0]!.id).toBe(second.body.id);
    // One list per change, never the same revision twice: 1 at start, then create, change,
    // second create, delete.
    expect(seenByB.map((list) => list.length)).toEqual([0, 1, 1, 2, 1]);
  });

  it("writes are in the writing replica's own feed when the answer comes (read-your-writes)", async () => {
    const feed = a.app.get(PeersFeed);
    const res = await a.request('POST', '/v1/peers', { address: '127.0.0.3', peerAsn: 64511 });
    expect(feed.peers.map((p) => p.id)).toContain(res.body.id);
  });

  it('a cluster policy set through one replica, and a tag one replica assigned, reach the other', async () => {
    const policies = b.app.get(ClusterPoliciesFeed);
    await a.request('PUT', '/v1/cluster-policies/k8s', { advertise: false, communities: ['65000:1'] });
    await pollUntil('the policy at replica b', () => policies.policies.get('k8s')?.advertise === false);
    expect(policies.policies.get('k8s')).toEqual({ advertise: false, tag: 1, communities: [[65000, 1]] });

    await a.app.get(ClusterPolicyStore).policyFor('dcos');
    await pollUntil('the assigned tag at replica b', () => policies.policies.get('dcos'));
    expect(policies.policies.get('dcos')).toEqual({ advertise: true, tag: 2 });
  });
});
