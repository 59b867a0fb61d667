import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishBatchInOrder } from '@isthmus/bus';
import { createTestDatabase, pollUntil, type TestDatabase } from '@isthmus/testing';
import { RegistryStream } from '../feed/testing/registry-stream';
import { deleteStreams, ipamEnv, startIpam, type IpamUnderTest } from '../testing/ipam-harness';
import { IpamEvents } from './testing/ipam-events';

/**
 * The earlier block keeps winning across a restart and a takeover. The Kubernetes block was
 * announced first, then the DC/OS one over it, then the Kubernetes block changed (its next hop),
 * so in the registry stream its latest event is younger than the DC/OS one: a replica that only
 * replayed the stream would take the DC/OS block for the older. The persisted first sighting
 * keeps the winner, the conflict record is the same row, and every verdict is published again.
 */
describe('a restart and a takeover of the publisher', () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  let registry: RegistryStream;
  let events: IpamEvents;
  const running: IpamUnderTest[] = [];
  const k8s = { cluster: 'k8s', cidr: '192.168.55.128/26', node: 'worker-1', nextHop: '172.16.18.34' };
  const dcos = { cluster: 'dcos', cidr: '192.168.55.0/24', node: 'agent-1', nextHop: '172.16.18.43' };
  const t = (s: number) => new Date(Date.UTC(2026, 10, 21, 10, 0, s));

  async function start(): Promise<IpamUnderTest> {
    const ipam = await startIpam({ env, db });
    running.push(ipam);
    return ipam;
  }
  async function stop(ipam: IpamUnderTest): Promise<void> {
    running.splice(running.indexOf(ipam), 1);
    await ipam.stop();
  }
  const revisionOf = async (subject: string) => (await events.stored(subject))?.revision ?? -1;
  const allConflicts = async (ipam: IpamUnderTest) =>
    (await ipam.request('GET', '/v1/conflicts?state=all')).body.items;

  beforeAll(async () => {
    db = await createTestDatabase('ipam');
    env = ipamEnv(db);
    const first = await start();
    registry = await RegistryStream.open(env);
    events = await IpamEvents.open(env);
    await registry.block(k8s, t(1));
    await registry.block(dcos, t(2));
    await registry.block({ ...k8s, nextHop: '172.16.18.36' }, t(3));
    await pollUntil('the conflict', async () => (await allConflicts(first)).length === 1);
    await pollUntil(
      'both verdicts in the stream',
      async () => (await events.storedStatus('dcos', dcos.cidr)) === 'conflict',
    );
  });
  afterAll(async () => {
    for (const ipam of [...running]) await ipam.stop();
    await events?.close();
    await registry?.close();
    if (env) await deleteStreams(env);
    await db?.drop();
  });

  it('after a restart: the same winner, the same record, every verdict republished', async () => {
    const before = await allConflicts(running[0]!);
    expect(before).toHaveLength(1);
    expect(before[0]).toMatchObject({
      state: 'open',
      kept: { cluster: 'k8s', firstSeen: t(1).toISOString() },
      excluded: { cluster: 'dcos', firstSeen: t(2).toISOString() },
    });
    const subjects = [
      events.subjects.verdict('k8s', k8s.cidr),
      events.subjects.verdict('dcos', dcos.cidr),
      events.subjects.conflict(before[0].id),
    ];
    const revisions = await Promise.all(subjects.map(revisionOf));

    await stop(running[0]!);
    const again = await start();
    expect(await allConflicts(again)).toEqual(before);
    await pollUntil('every verdict and the conflict republished', async () => {
      const now = await Promise.all(subjects.map(revisionOf));
      return now.every((r, i) => r > revisions[i]!);
    });
    expect(await events.storedStatus('dcos', dcos.cidr)).toBe('conflict');
    expect(await events.storedStatus('k8s', k8s.cidr)).toBe('valid');
    expect(await allConflicts(again)).toEqual(before);
  });

  it('a second replica takes over when the publisher stops, with no duplicate record', async () => {
    const publisher = running[0]!;
    const standby = await start();
    const before = await allConflicts(standby);
    const subject = events.subjects.verdict('dcos', dcos.cidr);
    const revision = await revisionOf(subject);

    // While both run, the standby judges alike and does not publish.
    const verdict = `/v1/clusters/dcos/pod-blocks/${encodeURIComponent(dcos.cidr)}/verdict`;
    expect((await standby.request('GET', verdict)).body).toMatchObject({ status: 'conflict' });
    expect(await revisionOf(subject)).toBe(revision);

    await stop(publisher);
    await pollUntil('the standby to republish', async () => (await revisionOf(subject)) > revision);
    // The takeover goes on from where the stream is: a change after it is published too.
    await registry.removeBlock('dcos', dcos.cidr);
    await pollUntil(
      'the conflict cleared',
      async () => (await allConflicts(standby))[0]?.state === 'cleared',
    );
    const after = await allConflicts(standby);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: before[0].id, since: before[0].since, state: 'cleared' });
    await pollUntil(
      'the verdict tombstone',
      async () => (await events.storedStatus('dcos', dcos.cidr)) === 'gone',
    );
  });

  it('sweeps what a dead publisher left in the stream: a verdict of a block that is gone', async () => {
    // As if a publisher died after the block's deletion and before its tombstone.
    const ghost = { cluster: 'ghost', cidr: '10.66.0.0/26' };
    const stale = {
      kind: 'verdict',
      revision: 1,
      at: t(9).toISOString(),
      deleted: false,
      state: {
        ...ghost,
        node: 'n',
        status: 'valid',
        allocation: 'no-pod-allocation',
        excludedBy: [],
        excludedByTotal: 0,
        excludingTotal: 0,
      },
    };
    const subject = events.subjects.verdict(ghost.cluster, ghost.cidr);
    await publishBatchInOrder(
      registry.nc,
      [{ subject, data: new TextEncoder().encode(JSON.stringify(stale)), msgId: 'ghost-1' }],
      {
        expectedStream: env.ISTHMUS_IPAM_STREAM,
      },
    );
    expect(await events.storedStatus(ghost.cluster, ghost.cidr)).toBe('valid');

    await stop(running[0]!);
    await start();
    await pollUntil(
      'the ghost verdict swept',
      async () => (await events.storedStatus(ghost.cluster, ghost.cidr)) === 'gone',
    );
    // What is live stays.
    expect(await events.storedStatus('k8s', k8s.cidr)).toBe('valid');
  });
});
