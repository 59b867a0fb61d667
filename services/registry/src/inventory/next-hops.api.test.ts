import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registrySubjects } from '@isthmus/contracts';
import { pollUntil } from '@isthmus/testing';
import { startRegistry, StreamReader, type RegistryUnderTest } from '../testing/registry-harness';

const V4 = '192.168.0.0/26';
const V6 = 'fd00:1::/64';
const block = (cidr: string) => `/v1/clusters/lab/pod-blocks/${encodeURIComponent(cidr)}`;

/**
 * Next hops of a static cluster's blocks (issue 10): a block's next hop is its node's address of
 * the block's family, now. Seen from outside, the IPv6 block of a dual-stack node got the node's
 * IPv4 address, and neither block followed the node when its addresses changed.
 */
describe('next hops of static pod blocks', () => {
  let r: RegistryUnderTest;
  let stream: StreamReader;
  let subjects: ReturnType<typeof registrySubjects>;

  beforeAll(async () => {
    r = await startRegistry();
    stream = await StreamReader.open(r.config.streamName);
    subjects = registrySubjects(r.config.subjectRoot);
    expect((await r.request('POST', '/v1/clusters', { id: 'lab', kind: 'static' })).status).toBe(201);
  });
  afterAll(async () => {
    await stream?.close();
    await r?.stop();
  });

  /** The block as stored, once the stream's last event of it is that state. */
  async function published(cidr: string): Promise<{ nextHop: string; revision: number }> {
    const stored = (await r.request('GET', block(cidr))).body;
    const event = await pollUntil(`the event of ${cidr} at revision ${stored.revision}`, async () => {
      const last = await stream.lastFor(subjects.block('lab', cidr));
      return last?.revision === stored.revision && last;
    });
    expect(event.state).toEqual({
      cluster: 'lab',
      cidr,
      node: stored.node,
      nextHop: stored.nextHop,
      source: 'static',
    });
    return { nextHop: stored.nextHop, revision: stored.revision };
  }

  it("gives each block its node's address of the block's family", async () => {
    const res = await r.request('POST', '/v1/clusters/lab/changes', {
      upsert: {
        nodes: [{ name: 'w1', addresses: ['192.0.2.11', 'fd00::11'] }],
        podBlocks: [
          { cidr: V4, node: 'w1' },
          { cidr: V6, node: 'w1' },
        ],
      },
    });
    expect(res.body).toEqual({ submitted: 3, changed: 3 });
    expect((await published(V4)).nextHop).toBe('192.0.2.11');
    expect((await published(V6)).nextHop).toBe('fd00::11');
  });

  it('moves the next hops of its blocks when the node changes (POST changes), with new events', async () => {
    const before = { v4: await published(V4), v6: await published(V6) };
    const res = await r.request('POST', '/v1/clusters/lab/changes', {
      upsert: { nodes: [{ name: 'w1', addresses: ['192.0.2.99', 'fd00::99'] }] },
    });
    // The caller's own entity changed; its blocks went along, as they go along with a deleted node.
    expect(res.body).toEqual({ submitted: 1, changed: 1 });
    const after = { v4: await published(V4), v6: await published(V6) };
    expect(after.v4.nextHop).toBe('192.0.2.99');
    expect(after.v6.nextHop).toBe('fd00::99');
    expect(after.v4.revision).toBeGreaterThan(before.v4.revision);
    expect(after.v6.revision).toBeGreaterThan(before.v6.revision);
  });

  it('moves them through PUT of the node too, and only those of the family that changed', async () => {
    const before = await published(V4);
    const put = await r.request('PUT', '/v1/clusters/lab/nodes/w1', { addresses: ['192.0.2.99', 'fd00::7'] });
    expect(put.status).toBe(200);
    expect((await published(V6)).nextHop).toBe('fd00::7');
    expect(await published(V4)).toEqual(before); // same state: no new revision, no event
  });

  it("keeps a nextHop given explicitly, of the block's family, whatever the node does", async () => {
    const put = await r.request('PUT', block('10.1.0.0/24'), { node: 'w1', nextHop: '198.51.100.1' });
    expect(put.body).toMatchObject({ nextHop: '198.51.100.1' });
    await r.request('PUT', '/v1/clusters/lab/nodes/w1', { addresses: ['192.0.2.98', 'fd00::7'] });
    expect((await published(V4)).nextHop).toBe('192.0.2.98');
    expect((await published('10.1.0.0/24')).nextHop).toBe('198.51.100.1');
  });

  it('turns a following block into an explicit one when its nextHop is given, even one equal to the node address', async () => {
    const before = await published(V4);
    // Same state as stored: nothing to publish, but from now on the block keeps this next hop.
    expect((await r.request('PUT', block(V4), { node: 'w1', nextHop: '192.0.2.98' })).status).toBe(200);
    await r.request('PUT', '/v1/clusters/lab/nodes/w1', { addresses: ['192.0.2.97', 'fd00::7'] });
    expect(await published(V4)).toEqual(before);
    // And back: written without nextHop, it follows the node again, at once.
    expect((await r.request('PUT', block(V4), { node: 'w1' })).body).toMatchObject({ nextHop: '192.0.2.97' });
    expect((await published(V4)).nextHop).toBe('192.0.2.97');
  });

  it.each([
    [
      'POST changes',
      'POST',
      '/v1/clusters/lab/changes',
      { upsert: { podBlocks: [{ cidr: 'fd00:2::/64', node: 'w1', nextHop: '192.0.2.97' }] } },
      'request body is invalid: upsert.podBlocks[0].nextHop: 192.0.2.97 is not an IPv6 address; ' +
        'the next hop of IPv6 block fd00:2::/64 must be one',
    ],
    [
      'PUT',
      'PUT',
      block('10.2.0.0/24'),
      { node: 'w1', nextHop: 'fd00::7' },
      'request body is invalid: nextHop: fd00::7 is not an IPv4 address; the next hop of IPv4 block ' +
        '10.2.0.0/24 must be one',
    ],
  ])(
    'refuses an explicit nextHop of the other family (%s) with a 400',
    async (_, method, path, body, message) => {
      const res = await r.request(method, path, body);
      expect(res.status).toBe(400);
      expect(res.body.message).toBe(message);
    },
  );

  it.each([
    [
      'POST changes',
      'POST',
      '/v1/clusters/lab/changes',
      {
        upsert: {
          nodes: [{ name: 'w2', addresses: ['192.0.2.12'] }],
          podBlocks: [{ cidr: 'fd00:2::/64', node: 'w2' }],
        },
      },
      'request body is invalid: upsert.podBlocks[0].nextHop: not given, and node "w2" has no IPv6 address ' +
        'to be the next hop of fd00:2::/64; give the node one, or give the block a nextHop',
    ],
    [
      'PUT',
      'PUT',
      block('fd00:3::/64'),
      { node: 'v4-only' },
      'request body is invalid: nextHop: not given, and node "v4-only" has no IPv6 address to be the next ' +
        'hop of fd00:3::/64; give the node one, or give the block a nextHop',
    ],
  ])(
    'refuses a block without nextHop whose node has no address of its family (%s) with a 400',
    async (_, method, path, body, message) => {
      await r.request('PUT', '/v1/clusters/lab/nodes/v4-only', { addresses: ['192.0.2.13'] });
      const res = await r.request(method, path, body);
      expect(res.status).toBe(400);
      expect(res.body.message).toBe(message);
      expect((await r.request('GET', '/v1/clusters/lab/nodes/w2')).status).toBe(404); // nothing written
    },
  );

  it.each([
    [
      'POST changes',
      'POST',
      '/v1/clusters/lab/changes',
      { upsert: { nodes: [{ name: 'w1', addresses: ['192.0.2.97'] }] } },
    ],
    ['PUT', 'PUT', '/v1/clusters/lab/nodes/w1', { addresses: ['192.0.2.97'] }],
  ])(
    'refuses to take its last IPv6 address from a node whose IPv6 block follows it (%s) with a 409',
    async (_, method, path, body) => {
      const count = await stream.storedCount();
      const res = await r.request(method, path, body);
      expect(res.status).toBe(409);
      expect(res.body.message).toBe(
        `node "w1" would have no IPv6 address, and pod block ${V6} follows it (the next hop is the node's ` +
          'IPv6 address): keep such an address on the node, give the block a nextHop, or delete the block ' +
          'in the same request',
      );
      expect((await r.request('GET', '/v1/clusters/lab/nodes/w1')).body.addresses).toEqual([
        '192.0.2.97',
        'fd00::7',
      ]);
      expect(await stream.storedCount()).toBe(count);
    },
  );

  it('lets the node go IPv4-only when the same request gives the block a nextHop, or deletes it', async () => {
    const explicit = await r.request('POST', '/v1/clusters/lab/changes', {
      upsert: {
        nodes: [{ name: 'w1', addresses: ['192.0.2.97'] }],
        podBlocks: [{ cidr: V6, node: 'w1', nextHop: '2001:db8::1' }],
      },
    });
    expect(explicit.body).toEqual({ submitted: 2, changed: 2 });
    expect((await published(V6)).nextHop).toBe('2001:db8::1');

    await r.request('PUT', block('fd00:4::/64'), { node: 'w1', nextHop: '2001:db8::1' });
    await r.request('PUT', block('fd00:4::/64'), { node: 'w1' }).then((res) => expect(res.status).toBe(400));
    await r.request('PUT', '/v1/clusters/lab/nodes/w1', { addresses: ['192.0.2.97', 'fd00::8'] });
    expect((await r.request('PUT', block('fd00:4::/64'), { node: 'w1' })).body.nextHop).toBe('fd00::8');
    const deleted = await r.request('POST', '/v1/clusters/lab/changes', {
      upsert: { nodes: [{ name: 'w1', addresses: ['192.0.2.97'] }] },
      delete: { podBlocks: ['fd00:4::/64'] },
    });
    expect(deleted.body).toEqual({ submitted: 2, changed: 2 });
    await pollUntil('the tombstone of fd00:4::/64', async () => {
      return (await stream.lastFor(subjects.block('lab', 'fd00:4::/64')))?.deleted === true;
    });
    expect((await r.request('GET', block(V6))).body.nextHop).toBe('2001:db8::1');
  });

  // Two replicas on one database, so that only the database can keep the writes apart: a block
  // written from its node's stored address while another transaction changes that node must not
  // keep the old address (each round checks every block).
  it("keeps every block on its node's current address while node and block writes race on two replicas", async () => {
    const r2 = await startRegistry({
      db: r.db,
      env: { ISTHMUS_SUBJECT_ROOT: r.config.subjectRoot, ISTHMUS_REGISTRY_STREAM: r.config.streamName },
    });
    try {
      await r.request('PUT', '/v1/clusters/lab/nodes/racer', { addresses: ['192.0.2.100'] });
      const cidrs: string[] = [];
      for (let round = 0; round < 10; round++) {
        const added = Array.from({ length: 6 }, (_, i) => `10.60.${round * 6 + i}.0/24`);
        cidrs.push(...added);
        const answers = await Promise.all([
          ...added.map((cidr, i) => (i % 2 ? r2 : r).request('PUT', block(cidr), { node: 'racer' })),
          ...[r, r2].map((replica, k) =>
            replica.request('PUT', '/v1/clusters/lab/nodes/racer', {
              addresses: [`192.0.2.${101 + 2 * round + k}`],
            }),
          ),
        ]);
        expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
        const [address] = (await r.request('GET', '/v1/clusters/lab/nodes/racer')).body.addresses;
        const blocks = (await r.request('GET', '/v1/pod-blocks?cluster=lab&node=racer&limit=1000')).body
          .items;
        expect(blocks.filter((b: { nextHop: string }) => b.nextHop !== address)).toEqual([]);
        expect(blocks).toHaveLength(cidrs.length);
      }
      const [address] = (await r.request('GET', '/v1/clusters/lab/nodes/racer')).body.addresses;
      for (const cidr of cidrs) expect(await published(cidr)).toMatchObject({ nextHop: address });
    } finally {
      await r2.app.close();
    }
  });
});
