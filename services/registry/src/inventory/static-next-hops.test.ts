import { describe, expect, it } from 'vitest';
import type { NodeState, PodBlockState } from '@isthmus/contracts';
import { ConflictError, InvalidInputError } from '@isthmus/service-kit';
import { ChangesBody } from './inventory.dto';
import { followersWanted, planNextHops, PUT_PATHS, storedNodesWanted } from './static-next-hops';

const body = (b: unknown) => ChangesBody.parse(b);
const node = (name: string, addresses: string[]): NodeState => ({
  cluster: 'lab',
  name,
  addresses,
  ready: true,
  labels: {},
});
const following = (cidr: string, nodeName: string, nextHop: string): PodBlockState => ({
  cluster: 'lab',
  cidr,
  node: nodeName,
  nextHop,
  source: 'static',
});
const hops = (changes: { op: string; state?: unknown }[]) =>
  Object.fromEntries(
    changes.map((c) => {
      const s = c.state as PodBlockState;
      return [s.cidr, s.nextHop];
    }),
  );
const none = { nodes: [], followers: [] };

describe('planNextHops', () => {
  it("takes each block's next hop from its node's address of the block's family, request first", () => {
    const plan = planNextHops(
      'lab',
      body({
        upsert: {
          nodes: [{ name: 'w1', addresses: ['192.0.2.11', 'fd00::11'] }],
          podBlocks: [
            { cidr: 'fd00:1::/64', node: 'w1' },
            { cidr: '192.168.0.0/26', node: 'w1' },
            { cidr: '192.168.0.64/26', node: 'w2' },
            { cidr: '10.0.0.0/24', node: 'w2', nextHop: '198.51.100.1' },
          ],
        },
      }),
      { nodes: [node('w2', ['fd00::12', '192.0.2.12'])], followers: [] },
    );
    expect(hops(plan.blocks)).toEqual({
      'fd00:1::/64': 'fd00::11',
      '192.168.0.0/26': '192.0.2.11',
      '192.168.0.64/26': '192.0.2.12',
      '10.0.0.0/24': '198.51.100.1',
    });
    expect(plan.explicit.map((e) => e.explicit)).toEqual([false, false, false, true]);
    expect(plan.derived).toEqual([]);
  });

  it('uses the last upsert of a node in the request, as the writer keeps the last change', () => {
    const plan = planNextHops(
      'lab',
      body({
        upsert: {
          nodes: [
            { name: 'w1', addresses: ['192.0.2.1'] },
            { name: 'w1', addresses: ['192.0.2.2'] },
          ],
          podBlocks: [{ cidr: '10.0.0.0/24', node: 'w1' }],
        },
      }),
      none,
    );
    expect(hops(plan.blocks)).toEqual({ '10.0.0.0/24': '192.0.2.2' });
  });

  it('re-derives the stored blocks that follow a node the request changes, except those it writes or deletes', () => {
    const plan = planNextHops(
      'lab',
      body({
        upsert: {
          nodes: [{ name: 'w1', addresses: ['192.0.2.99', 'fd00::99'] }],
          podBlocks: [{ cidr: '10.1.0.0/24', node: 'w1', nextHop: '198.51.100.1' }],
        },
        delete: { podBlocks: ['10.2.0.0/24'] },
      }),
      {
        nodes: [],
        followers: [
          following('10.0.0.0/24', 'w1', '192.0.2.11'),
          following('fd00:1::/64', 'w1', '192.0.2.11'), // the family bug of issue 10, stored
          following('10.1.0.0/24', 'w1', '192.0.2.11'),
          following('10.2.0.0/24', 'w1', '192.0.2.11'),
        ],
      },
    );
    expect(hops(plan.derived)).toEqual({ '10.0.0.0/24': '192.0.2.99', 'fd00:1::/64': 'fd00::99' });
    expect(hops(plan.blocks)).toEqual({ '10.1.0.0/24': '198.51.100.1' });
  });

  it('leaves the followers of a node the request deletes to the delete (they go with it)', () => {
    const plan = planNextHops(
      'lab',
      body({ upsert: { nodes: [{ name: 'w1', addresses: ['192.0.2.1'] }] }, delete: { nodes: ['w1'] } }),
      { nodes: [], followers: [following('fd00:1::/64', 'w1', 'fd00::1')] },
    );
    expect(plan.derived).toEqual([]);
  });

  it('refuses, naming every block and family, a node change that leaves followers without a next hop', () => {
    const plan = () =>
      planNextHops(
        'lab',
        body({
          upsert: {
            nodes: [
              { name: 'w1', addresses: ['192.0.2.1'] },
              { name: 'w2', addresses: ['fd00::2'] },
            ],
          },
        }),
        {
          nodes: [],
          followers: [
            following('fd00:1::/64', 'w1', 'fd00::1'),
            following('fd00:2::/64', 'w1', 'fd00::1'),
            following('10.2.0.0/24', 'w2', '192.0.2.2'),
          ],
        },
      );
    expect(plan).toThrow(ConflictError);
    expect(plan).toThrow(
      'node "w1" would have no IPv6 address, and pod blocks fd00:1::/64, fd00:2::/64 follow it (the next hop ' +
        'is the node\'s IPv6 address); node "w2" would have no IPv4 address, and pod block 10.2.0.0/24 ' +
        "follows it (the next hop is the node's IPv4 address): keep such an address on the node, give the " +
        'block a nextHop, or delete the block in the same request',
    );
  });

  it('reports every invalid block, with paths of the batch or of a PUT body', () => {
    const request = body({
      upsert: {
        podBlocks: [
          { cidr: 'fd00:1::/64', node: 'w1', nextHop: '192.0.2.1' },
          { cidr: '10.0.0.0/24', node: 'w1' },
          { cidr: '10.1.0.0/24', node: 'gone' },
          { cidr: '10.2.0.0/24', node: 'nobody' },
        ],
      },
      delete: { nodes: ['gone'] },
    });
    const stored = { nodes: [node('w1', ['fd00::1']), node('gone', ['192.0.2.9'])], followers: [] };
    let error: InvalidInputError | undefined;
    try {
      planNextHops('lab', request, stored);
    } catch (e) {
      error = e as InvalidInputError;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error!.message).toBe(
      'request body is invalid: upsert.podBlocks[0].nextHop: 192.0.2.1 is not an IPv6 address; the next hop ' +
        'of IPv6 block fd00:1::/64 must be one (and 3 more)',
    );
    expect(error!.issues).toEqual([
      { path: 'upsert.podBlocks[0].nextHop', message: expect.stringMatching(/not an IPv6 address/) },
      {
        path: 'upsert.podBlocks[1].nextHop',
        message: expect.stringMatching(/node "w1" has no IPv4 address to be the next hop of 10\.0\.0\.0\/24/),
      },
      {
        path: 'upsert.podBlocks[2].node',
        message: 'node "gone" is deleted by this request; a block goes with its node',
      },
      { path: 'upsert.podBlocks[3].nextHop', message: expect.stringMatching(/node "nobody" is not known/) },
    ]);
    expect(() =>
      planNextHops('lab', body({ upsert: { podBlocks: [request.upsert.podBlocks[0]] } }), stored, PUT_PATHS),
    ).toThrow(/^request body is invalid: nextHop: 192\.0\.2\.1 is not an IPv6 address/);
  });
});

describe('what the plan needs read', () => {
  it('stored nodes for blocks without nextHop whose node the request does not carry; followers of the nodes it upserts', () => {
    const request = body({
      upsert: {
        nodes: [{ name: 'w1', addresses: ['192.0.2.1'] }],
        podBlocks: [
          { cidr: '10.0.0.0/24', node: 'w1' },
          { cidr: '10.1.0.0/24', node: 'w2' },
          { cidr: '10.2.0.0/24', node: 'w2' },
          { cidr: '10.3.0.0/24', node: 'w3', nextHop: '192.0.2.3' },
        ],
      },
    });
    expect(storedNodesWanted(request)).toEqual(['w2']);
    expect(followersWanted(request)).toEqual(['w1']);
  });
});
