import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  pollUntil,
  startPostgresServer,
  type PostgresServerHandle,
  type TestDatabase,
} from '@isthmus/testing';
import { RegistryStream } from '../feed/testing/registry-stream';
import { deleteStreams, ipamEnv, startIpam, type IpamUnderTest } from '../testing/ipam-harness';
import { IpamEvents } from './testing/ipam-events';

/**
 * PostgreSQL goes away under a running service: the conflict API answers 503 (retry), never 500;
 * lookups keep working from memory; the feed keeps the registry's events it cannot record yet and
 * retries; nothing crashes. Once the database is back the waiting events are applied, the
 * publisher takes its lease again, and the conflict they make is recorded and published.
 */
describe('PostgreSQL unavailable under validation', () => {
  let pg: PostgresServerHandle;
  let env: Record<string, string>;
  let ipam: IpamUnderTest;
  let registry: RegistryStream;
  let events: IpamEvents;
  const k8s = { cluster: 'k8s', cidr: '192.168.55.128/26', node: 'worker-1', nextHop: '172.16.18.34' };
  const dcos = { cluster: 'dcos', cidr: '192.168.55.0/24', node: 'agent-2', nextHop: '172.16.18.44' };

  beforeAll(async () => {
    pg = await startPostgresServer();
    const db: TestDatabase = {
      url: pg.url.replace(/\/postgres$/, '/ipam'),
      name: 'ipam',
      drop: async () => undefined,
    };
    env = ipamEnv(db);
    ipam = await startIpam({ env, db });
    registry = await RegistryStream.open(env);
    events = await IpamEvents.open(env);
  });
  afterAll(async () => {
    await events?.close();
    await registry?.close();
    await ipam?.stop();
    if (env) await deleteStreams(env);
    await pg?.destroy();
  });

  it('answers 503 and keeps the registry events it cannot record until the database is back', async () => {
    await registry.block(k8s);
    await pollUntil(
      'the k8s verdict in the stream',
      async () => (await events.storedStatus('k8s', k8s.cidr)) === 'valid',
    );

    await pg.stop();
    for (const path of ['/v1/conflicts', '/v1/conflicts/1']) {
      const res = await ipam.request('GET', path);
      expect(res.status, path).toBe(503);
      expect(res.headers.get('retry-after')).toBe('2');
    }
    const lookup = await ipam.request('GET', '/v1/lookup/192.168.55.130');
    expect(lookup.status).toBe(200);
    expect(lookup.body.block).toMatchObject({ cluster: 'k8s', cidr: k8s.cidr, verdict: { status: 'valid' } });
    expect((await ipam.request('GET', '/readyz', undefined, null)).status).toBe(503);

    // A change while the database is away: its first sighting cannot be recorded yet.
    await registry.block(dcos);
    const dcosVerdict = `/v1/clusters/dcos/pod-blocks/${encodeURIComponent(dcos.cidr)}/verdict`;
    expect((await ipam.request('GET', dcosVerdict)).status).toBe(404);

    await pg.start();
    await pollUntil(
      'the waiting change applied',
      async () => (await ipam.request('GET', dcosVerdict)).body.status === 'conflict',
    );
    const conflict = await pollUntil('the conflict recorded', async () => {
      const { status, body } = await ipam.request('GET', '/v1/conflicts');
      return status === 200 && body.items.length === 1 ? body.items[0] : undefined;
    });
    expect(conflict).toMatchObject({ kept: { cluster: 'k8s' }, excluded: { cluster: 'dcos' } });
    await pollUntil('the conflict and the verdict published', async () => {
      const recorded = await events.stored(events.subjects.conflict(conflict.id));
      return recorded?.deleted === false && (await events.storedStatus('dcos', dcos.cidr)) === 'conflict';
    });
    expect((await ipam.request('GET', '/healthz', undefined, null)).status).toBe(200);
    await pollUntil(
      'ready again',
      async () => (await ipam.request('GET', '/readyz', undefined, null)).status === 200,
    );
  });
});
