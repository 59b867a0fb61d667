import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, pollUntil, type TestDatabase } from '@isthmus/testing';
import { RegistryStream } from '../feed/testing/registry-stream';
import { deleteStreams, ensureRegistryStream, ipamEnv, request } from '../testing/ipam-harness';
import { spawnIpam, type IpamProcess } from '../testing/ipam-process';
import { IpamEvents } from './testing/ipam-events';

/**
 * Issue 10, 6, "Identity that survives a failover": two replicas of the built service on one
 * database; the one that publishes is SIGKILLed (no shutdown hook, its lease session dropped by
 * the kernel), and the standby takes over. The open conflict keeps its id, in the API and in the
 * IPAM stream, where no second id appears for the same overlap; the standby then clears it under
 * that id.
 */
describe('a SIGKILLed publisher and the standby that takes over', () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  let registry: RegistryStream;
  let events: IpamEvents;
  const replicas: IpamProcess[] = [];
  const k8s = { cluster: 'k8s', cidr: '192.168.55.128/26', node: 'worker-1', nextHop: '172.16.18.34' };
  const dcos = { cluster: 'dcos', cidr: '192.168.55.0/24', node: 'agent-1', nextHop: '172.16.18.43' };
  const t = (s: number) => new Date(Date.UTC(2026, 10, 21, 10, 0, s));

  const isPublisher = async (r: IpamProcess) =>
    /^isthmus_ipam_publisher 1$/m.test((await request(r.url, 'GET', '/metrics', undefined, null)).body);
  const conflicts = async (r: IpamProcess) =>
    (await request(r.url, 'GET', '/v1/conflicts?state=all')).body.items as {
      id: string;
      state: string;
      kept: { cluster: string };
    }[];

  beforeAll(async () => {
    db = await createTestDatabase('ipam');
    env = ipamEnv(db);
    await ensureRegistryStream(env);
    registry = await RegistryStream.open(env);
    events = await IpamEvents.open(env);
    replicas.push(await spawnIpam(env));
    await pollUntil('the first replica to publish', () => isPublisher(replicas[0]!));
    replicas.push(await spawnIpam(env));
  });
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await events?.close();
    await registry?.close();
    if (env) await deleteStreams(env);
    await db?.drop();
  });

  it('keeps the conflict id across the takeover, in the API and in the stream', async () => {
    const [publisher, standby] = replicas as [IpamProcess, IpamProcess];
    await registry.block(k8s, t(1));
    await registry.block(dcos, t(2));
    const [first] = await pollUntil('the conflict in the stream', async () => {
      const live = await events.liveConflictIds();
      return live.length === 1 && live;
    });
    // The roles turn and turn back: an allocation that leaves the k8s block outside (an outside
    // block never wins), then its release. Each turn is a new conflict (ConflictLedger), and the
    // last one is open when the publisher dies.
    const post = (path: string, body: unknown) => request(publisher.url, 'POST', path, body);
    expect((await post('/v1/pools', { name: 'p', cidr: '192.168.0.0/16' })).status).toBe(201);
    const allocation = await post('/v1/pools/p/allocations', {
      cluster: 'k8s',
      purpose: 'pods',
      cidr: '192.168.0.0/24',
    });
    expect(allocation.status).toBe(201);
    await pollUntil('the roles turned', async () =>
      (await conflicts(standby)).some((c) => c.state === 'open' && c.kept.cluster === 'dcos'),
    );
    expect((await request(publisher.url, 'DELETE', `/v1/allocations/${allocation.body.id}`)).status).toBe(
      200,
    );
    const opened = await pollUntil('one open conflict again, k8s kept, in the stream', async () => {
      const open = (await conflicts(standby)).filter((c) => c.state === 'open');
      if (open.length !== 1 || open[0]!.id === first || open[0]!.kept.cluster !== 'k8s') return false;
      const live = await events.liveConflictIds();
      return live.length === 1 && live[0] === open[0]!.id && open[0]!.id;
    });
    const subject = events.subjects.conflict(opened);
    const revision = (await events.stored(subject))!.revision;
    expect(await isPublisher(standby)).toBe(false);

    await publisher.kill();
    await pollUntil('the standby to publish', () => isPublisher(standby));
    // A new publisher republishes every open conflict: wait for it, then look for a second id.
    await pollUntil(
      'the conflict republished',
      async () => (await events.stored(subject))!.revision > revision,
    );
    expect(await events.liveConflictIds()).toEqual([opened]);
    const recorded = await conflicts(standby);
    expect(recorded.filter((c) => c.state === 'open').map((c) => c.id)).toEqual([opened]);
    // Nothing was recorded by the takeover: the ids are those of before it, three turns' worth.
    expect(recorded).toHaveLength(3);

    // The standby goes on under the same id: the conflict clears as that one.
    await registry.removeBlock('dcos', dcos.cidr);
    const find = async () => (await conflicts(standby)).find((c) => c.id === opened);
    await pollUntil('the conflict cleared', async () => (await find())?.state === 'cleared');
    expect((await conflicts(standby)).every((c) => c.state === 'cleared')).toBe(true);
    await pollUntil('its tombstone', async () => (await events.liveConflictIds()).length === 0);
    expect(standby.output()).not.toMatch(/unhandled error/i);
  });
});
