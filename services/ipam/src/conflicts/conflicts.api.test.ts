import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '@isthmus/testing';
import { RegistryStream } from '../feed/testing/registry-stream';
import { startIpam, type IpamUnderTest } from '../testing/ipam-harness';
import { PRECEDENCE, VERDICT_STATUSES } from './conflict.dto';
import { IpamEvents } from '../validation/testing/ipam-events';

/**
 * Issue 4, "Validation of what clusters use": a Kubernetes Calico block (seed 002) and a DC/OS
 * agent subnet (seed 000) that overlaps it, announced later. One conflict is recorded, shown by
 * the API and published; the DC/OS block's verdict is `conflict`. When the DC/OS block goes away
 * the conflict clears by itself, and both blocks' verdicts are published again.
 */
describe('a conflict between a Kubernetes and a DC/OS block', () => {
  let ipam: IpamUnderTest;
  let registry: RegistryStream;
  let events: IpamEvents;
  const k8s = { cluster: 'k8s', cidr: '192.168.55.128/26', node: 'worker-1', nextHop: '172.16.18.34' };
  const dcos = {
    cluster: 'dcos',
    cidr: '192.168.55.0/24',
    node: 'agent-2.mesos',
    nextHop: '172.16.18.44',
    source: 'dcos-overlay' as const,
  };
  const cursor = (key: string[]) => Buffer.from(JSON.stringify(key)).toString('base64url');
  const verdictPath = (b: { cluster: string; cidr: string }) =>
    `/v1/clusters/${b.cluster}/pod-blocks/${encodeURIComponent(b.cidr)}/verdict`;

  beforeAll(async () => {
    ipam = await startIpam();
    registry = await RegistryStream.open(ipam.env);
    events = await IpamEvents.open(ipam.env);
  });
  afterAll(async () => {
    await events?.close();
    await registry?.close();
    await ipam?.stop();
  });

  it('records, publishes and clears the conflict; the later block is excluded meanwhile', async () => {
    await registry.block(k8s);
    await pollUntil(
      'the k8s verdict in the stream',
      async () => (await events.storedStatus('k8s', k8s.cidr)) === 'valid',
    );

    await registry.block(dcos);
    const opened = await pollUntil('one open conflict', async () => {
      const { body } = await ipam.request('GET', '/v1/conflicts');
      return body.items.length === 1 ? body.items[0] : undefined;
    });
    expect(opened).toMatchObject({
      state: 'open',
      clearedAt: null,
      kept: { cluster: 'k8s', cidr: k8s.cidr },
      excluded: { cluster: 'dcos', cidr: dcos.cidr },
    });
    expect(Date.parse(opened.kept.firstSeen)).toBeLessThan(Date.parse(opened.excluded.firstSeen));
    expect((await ipam.request('GET', verdictPath(dcos))).body).toMatchObject({
      status: 'conflict',
      excludedBy: [{ cluster: 'k8s', cidr: k8s.cidr }],
      excludedByTotal: 1,
    });
    expect((await ipam.request('GET', verdictPath(k8s))).body).toMatchObject({
      status: 'valid',
      excludingTotal: 1,
    });

    const conflictSubject = events.subjects.conflict(opened.id);
    const announced = await pollUntil('the conflict event', async () => await events.stored(conflictSubject));
    expect(announced).toMatchObject({ kind: 'conflict', deleted: false, state: { id: opened.id } });
    await pollUntil(
      'the DC/OS verdict in the stream',
      async () => (await events.storedStatus('dcos', dcos.cidr)) === 'conflict',
    );

    await registry.removeBlock('dcos', dcos.cidr);
    await pollUntil(
      'no open conflict',
      async () => (await ipam.request('GET', '/v1/conflicts')).body.items.length === 0,
    );
    const cleared = (await ipam.request('GET', `/v1/conflicts/${opened.id}`)).body;
    expect(cleared).toMatchObject({ id: opened.id, state: 'cleared', since: opened.since });
    expect(Date.parse(cleared.clearedAt)).toBeGreaterThanOrEqual(Date.parse(opened.since));
    expect((await ipam.request('GET', '/v1/conflicts?state=cleared')).body.items).toEqual([cleared]);

    // Both events of the conflict went out, in order; the stream keeps the tombstone.
    await pollUntil(
      'the conflict tombstone',
      async () => (await events.stored(conflictSubject))?.deleted === true,
    );
    expect(events.on(conflictSubject).map((e) => e.deleted)).toEqual([false, true]);
    // Verdicts of both blocks were published again: the DC/OS one is gone, the k8s one excludes nothing.
    await pollUntil(
      'the DC/OS verdict tombstone',
      async () => (await events.storedStatus('dcos', dcos.cidr)) === 'gone',
    );
    await pollUntil('the k8s verdict back to excluding nothing', async () => {
      const last = await events.stored(events.subjects.verdict('k8s', k8s.cidr));
      return last?.kind === 'verdict' && !last.deleted && last.state.excludingTotal === 0;
    });
    const history = (cluster: string, cidr: string) =>
      events.verdicts(cluster, cidr).map((v) => (v ? `${v.status}/${v.excludingTotal}` : 'gone'));
    expect(history('k8s', k8s.cidr)).toEqual(['valid/0', 'valid/1', 'valid/0']);
    expect(history('dcos', dcos.cidr)).toEqual(['conflict/0', 'gone']);
    const revisions = events.seen.map((s) => s.event.revision);
    expect([...revisions].sort((a, b) => a - b)).toEqual(revisions);
    expect((await ipam.request('GET', verdictPath(dcos))).status).toBe(404);
  });

  it('lists conflicts by cluster, in pages; refuses bad ids, filters and cursors', async () => {
    // Three more DC/OS blocks over three k8s blocks: three conflicts.
    for (const i of [0, 1, 2]) await registry.block({ ...k8s, cidr: `10.9.${i}.0/26` });
    for (const i of [0, 1, 2]) await registry.block({ ...dcos, cidr: `10.9.${i}.0/24` });
    await pollUntil(
      'three open conflicts',
      async () => (await ipam.request('GET', '/v1/conflicts')).body.items.length === 3,
    );

    const first = await ipam.request('GET', '/v1/conflicts?limit=2&cluster=dcos');
    expect(first.body.items).toHaveLength(2);
    const second = await ipam.request(
      'GET',
      `/v1/conflicts?limit=2&cluster=dcos&cursor=${first.body.nextCursor}`,
    );
    expect(second.body).toMatchObject({ nextCursor: null });
    const ids = [...first.body.items, ...second.body.items].map((c: { id: string }) => Number(c.id));
    expect(ids).toHaveLength(3);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect((await ipam.request('GET', '/v1/conflicts?cluster=other')).body.items).toEqual([]);
    expect((await ipam.request('GET', '/v1/conflicts?state=all')).body.items).toHaveLength(4);

    for (const [path, message] of [
      ['/v1/conflicts/abc', /conflict id is invalid/],
      ['/v1/conflicts?state=closed', /state.*"open", "cleared", "all"/],
      ['/v1/conflicts/9999999999999999999', /no conflict has an id that large/],
      ['/v1/conflicts?cursor=nope', /cursor is invalid/],
      // Well-formed cursors that no page of ours handed out.
      [`/v1/conflicts?cursor=${cursor(['x'])}`, /cursor is invalid/],
      [`/v1/verdicts?cursor=${cursor(['k8s', 'not-a-prefix'])}`, /cursor is invalid/],
      ['/v1/clusters/k8s/pod-blocks/10.9.0.1%2F24/verdict', /host bits/],
    ] as const) {
      const res = await ipam.request('GET', path);
      expect(res.status, path).toBe(400);
      expect(res.body.message, path).toMatch(message);
    }
    expect((await ipam.request('GET', '/v1/conflicts/999999')).status).toBe(404);
    expect((await ipam.request('GET', '/v1/verdicts?status=conflict&cluster=dcos')).body.items).toHaveLength(
      3,
    );

    const metrics = (await ipam.request('GET', '/metrics', undefined, null)).body as string;
    expect(metrics).toMatch(/^isthmus_ipam_open_conflicts 3$/m);
    expect(metrics).toMatch(/^isthmus_ipam_block_verdicts\{status="conflict"\} 3$/m);
    expect(metrics).toMatch(/^isthmus_ipam_block_verdicts\{status="valid"\} 4$/m);
    expect(metrics).toMatch(/^isthmus_ipam_feed_events_applied_total 9$/m);
    expect(metrics).toMatch(/^isthmus_ipam_publisher 1$/m);
    expect(metrics).toMatch(/^isthmus_ipam_publish_batches_total\{result="ok"\} [1-9]\d*$/m);
  });

  it('says in the OpenAPI document which of two overlapping blocks is kept, and what each status means', async () => {
    const { paths } = (await ipam.request('GET', '/openapi.json', undefined, null)).body;
    for (const path of ['/v1/conflicts', '/v1/conflicts/{id}']) {
      expect(paths[path].get.description, path).toContain(PRECEDENCE);
    }
    for (const path of ['/v1/verdicts', '/v1/clusters/{cluster}/pod-blocks/{cidr}/verdict']) {
      expect(paths[path].get.description, path).toContain(VERDICT_STATUSES);
    }
    expect(PRECEDENCE).toMatch(/outside its cluster's pod allocations never wins/);
  });
});
