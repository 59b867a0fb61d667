import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { decodeRegistryEvent, registrySubjects } from '@isthmus/contracts';

import { startRegistry, StreamReader, type RegistryUnderTest } from '../testing/registry-harness';
import { OutboxRelay, RELAY_HOOKS, type RelayHooks } from './outbox-relay';
import { pollUntil } from '@isthmus/testing';

describe('outbox → JetStream', () => {
  let r: RegistryUnderTest;
  let stream: StreamReader;
  let subjects: ReturnType<typeof registrySubjects>;
  const hooks: RelayHooks = {};

  beforeAll(async () => {
    r = await startRegistry({ providers: [{ provide: RELAY_HOOKS, useValue: hooks }] });
    stream = await StreamReader.open(r.config.streamName);
    subjects = registrySubjects(r.config.subjectRoot);
  });
  afterAll(async () => {
    await stream?.close();
    await r?.stop();
  });

  const pending = () => r.app.get(OutboxRelay).pending();
  const settled = async (expectedStored: number) => {
    await pollUntil(
      'the relay',
      async () => (await pending()) === 0 && (await stream.storedCount()) >= expectedStored,
      { intervalMs: 50 },
    );
    // Give a wrongly duplicated publish the chance to show up before counting.
    await new Promise((res) => setTimeout(res, 200));
    return stream.storedCount();
  };

  it('publishes exactly one message per change, with subject, payload and revision', async () => {
    await r.request('POST', '/v1/clusters', { id: 'east', kind: 'static' });
    expect(await settled(1)).toBe(1);
    const res = await r.request('PUT', '/v1/clusters/east/nodes/ip-10-0-0-1.ec2.internal', {
      addresses: ['192.0.2.1'],
    });
    expect(await settled(2)).toBe(2);

    const subject = subjects.node('east', 'ip-10-0-0-1.ec2.internal');
    expect(subject).toBe(`${r.config.subjectRoot}.registry.node.east.ip-10-0-0-1%2Eec2%2Einternal`);
    const event = decodeRegistryEvent(
      subject,
      JSON.stringify(await stream.lastFor(subject)),
      r.config.subjectRoot,
    );
    expect(event).toEqual({
      kind: 'node',
      revision: res.body.revision,
      at: expect.any(String),
      deleted: false,
      state: {
        cluster: 'east',
        name: 'ip-10-0-0-1.ec2.internal',
        addresses: ['192.0.2.1'],
        ready: true,
        labels: {},
      },
    });
    const cluster = await stream.lastFor(subjects.cluster('east'));
    expect(cluster).toMatchObject({
      kind: 'cluster',
      deleted: false,
      state: { id: 'east', status: 'synced' },
    });
    expect(cluster.state.connection).toBeUndefined();
  });

  it('publishes nothing when the same state is written again', async () => {
    const before = await stream.storedCount();
    await r.request('PUT', '/v1/clusters/east/nodes/ip-10-0-0-1.ec2.internal', { addresses: ['192.0.2.1'] });
    await r.request('PATCH', '/v1/clusters/east', { labels: {} });
    expect(await settled(before)).toBe(before);
    // …and one message when it does change.
    await r.request('PUT', '/v1/clusters/east/nodes/ip-10-0-0-1.ec2.internal', {
      addresses: ['192.0.2.1'],
      ready: false,
    });
    expect(await settled(before + 1)).toBe(before + 1);
  });

  it('publishes every state of an entity that changes faster than the relay, in order', async () => {
    const before = await stream.storedCount();
    const name = 'flapping';
    const revisions: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await r.request('PUT', `/v1/clusters/east/nodes/${name}`, {
        addresses: ['192.0.2.9'],
        ready: i % 2 === 0,
      });
      revisions.push(res.body.revision);
    }
    expect(await settled(before + 5)).toBe(before + 5);
    expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
    expect((await stream.lastFor(subjects.node('east', name))).revision).toBe(revisions[4]);
  });

  it('publishes tombstones when a cluster is deleted', async () => {
    await r.request('POST', '/v1/clusters', { id: 'gone', kind: 'static' });
    await r.request('POST', '/v1/clusters/gone/changes', {
      upsert: {
        nodes: [{ name: 'n1', addresses: ['192.0.2.2'] }],
        podBlocks: [{ cidr: '10.2.0.0/24', node: 'n1' }],
        services: [{ namespace: 'default', name: 'web' }],
      },
    });
    const before = await settled(1);
    await r.request('DELETE', '/v1/clusters/gone');
    expect(await settled(before + 4)).toBe(before + 4);
    for (const subject of [
      subjects.cluster('gone'),
      subjects.node('gone', 'n1'),
      subjects.block('gone', '10.2.0.0/24'),
      subjects.service('gone', 'default', 'web'),
    ]) {
      expect(await stream.lastFor(subject)).toMatchObject({ deleted: true });
    }
    expect(await stream.lastFor(subjects.node('gone', 'n1'))).toMatchObject({
      key: { cluster: 'gone', name: 'n1' },
    });
  });

  it('re-publishes after a failure between publish and commit, and de-duplication keeps it exactly once', async () => {
    const before = await stream.storedCount();
    let failures = 0;
    hooks.afterPublish = async () => {
      if (failures++ === 0) throw new Error('simulated crash after publish');
    };
    try {
      await r.request('PUT', '/v1/clusters/east/nodes/dedup', { addresses: ['192.0.2.3'] });
      expect(await settled(before + 1)).toBe(before + 1);
      expect(failures).toBeGreaterThanOrEqual(2); // published, failed, published again
    } finally {
      delete hooks.afterPublish;
    }
    const metrics = (await r.request('GET', '/metrics', undefined, null)).body as string;
    expect(metrics).toMatch(/isthmus_registry_outbox_published_total\{result="duplicate"\} [1-9]/);
    expect(metrics).toMatch(/isthmus_registry_relay_errors_total [1-9]/);
  });
});
