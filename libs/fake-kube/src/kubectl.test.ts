// Real kubectl against the fake: discovery, lists (-o json and server-side printed tables),
// custom resources after installCrd, and a bounded `get --watch`. The binary is $ISTHMUS_KUBECTL
// or kubectl on PATH (CI installs Debian's kubernetes-client, kubectl 1.20).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { FakeKubeApi } from './index';

import { blockAffinity, blockAffinityCrd } from './crds';

import { kubectl, kubectlStream, node, nodeRef } from './testing/helpers';
import { pollUntil } from '@isthmus/testing';

/** Splits kubectl's table output into rows of cells (the header is the first row). */
function rows(stdout: string): string[][] {
  return stdout
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/));
}

describe('kubectl', () => {
  let api: FakeKubeApi;
  beforeEach(async () => {
    api = await FakeKubeApi.start();
  });
  afterEach(async () => {
    await api.stop();
  });

  it('get nodes -o json', async () => {
    api.apply(node('node-a', { 'topology.kubernetes.io/zone': 'a' }));
    api.apply(node('node-b'));
    const { code, stdout, stderr } = await kubectl(api, ['get', 'nodes', '-o', 'json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const list = JSON.parse(stdout) as {
      kind: string;
      items: Array<{ kind: string; metadata: { name: string; labels?: object } }>;
    };
    expect(list.kind).toBe('List');
    expect(list.items.map((n) => `${n.kind} ${n.metadata.name}`)).toEqual(['Node node-a', 'Node node-b']);
    expect(list.items[0]?.metadata.labels).toEqual({ 'topology.kubernetes.io/zone': 'a' });
    // It discovered the API, then listed in chunks of 500.
    const log = api.requestLog();
    expect(log.filter((r) => r.verb === 'discovery').map((r) => r.path)).toEqual(
      expect.arrayContaining(['/api', '/apis', '/api/v1']),
    );
    expect(log.find((r) => r.verb === 'list')?.query).toEqual({ limit: '500' });
  });

  it('follows continue tokens (--chunk-size)', async () => {
    for (let i = 1; i <= 5; i++) api.apply(node(`node-${i}`));
    const { code, stdout } = await kubectl(api, ['get', 'nodes', '--chunk-size=2', '-o', 'name']);
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toEqual([
      'node/node-1',
      'node/node-2',
      'node/node-3',
      'node/node-4',
      'node/node-5',
    ]);
    const lists = api.requestLog().filter((r) => r.verb === 'list');
    expect(lists.map((r) => [r.query.limit, r.query.continue === undefined])).toEqual([
      ['2', true],
      ['2', false],
      ['2', false],
    ]);
  });

  it('get endpointslices -A prints a table across namespaces', async () => {
    for (const [namespace, name] of [
      ['default', 'web-abc12'],
      ['kube-system', 'kube-dns-xyz34'],
    ] as const)
      api.apply({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { namespace, name },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['192.0.2.20'] }],
      });
    const { code, stdout } = await kubectl(api, ['get', 'endpointslices', '-A']);
    expect(code).toBe(0);
    const table = rows(stdout);
    expect(table[0]).toEqual(['NAMESPACE', 'NAME', 'AGE']);
    expect(table.slice(1).map((r) => `${r[0]}/${r[1]}`)).toEqual([
      'default/web-abc12',
      'kube-system/kube-dns-xyz34',
    ]);
    expect(api.requestLog().find((r) => r.resource === 'endpointslices')?.accept).toContain('as=Table');
  });

  it('get blockaffinities: unknown before installCrd, listed after (same discovery cache)', async () => {
    const before = await kubectl(api, ['get', 'blockaffinities']);
    expect(before.code).not.toBe(0);
    expect(before.stderr).toContain(`the server doesn't have a resource type "blockaffinities"`);
    const raw404 = await kubectl(api, ['get', '--raw', '/apis/crd.projectcalico.org/v1']);
    expect(raw404.code).not.toBe(0);
    expect(raw404.stderr).toContain('NotFound');

    api.installCrd(blockAffinityCrd);
    api.apply(blockAffinity('node-a', '192.168.0.0/26'));
    // kubectl refreshes its cached discovery when a resource type is not in it.
    const after = await kubectl(api, ['get', 'blockaffinities', '-o', 'json']);
    expect(after.stderr).toBe('');
    const list = JSON.parse(after.stdout) as {
      items: Array<{ apiVersion: string; kind: string; metadata: { name: string }; spec: unknown }>;
    };
    expect(list.items).toEqual([
      expect.objectContaining({
        apiVersion: 'crd.projectcalico.org/v1',
        kind: 'BlockAffinity',
        metadata: expect.objectContaining({ name: 'node-a-192-168-0-0-26' }),
        spec: { state: 'confirmed', node: 'node-a', cidr: '192.168.0.0/26', deleted: 'false' },
      }),
    ]);
    const table = rows((await kubectl(api, ['get', 'blockaffinities'])).stdout);
    expect(table.map((r) => r[0])).toEqual(['NAME', 'node-a-192-168-0-0-26']);
    const raw = JSON.parse((await kubectl(api, ['get', '--raw', '/apis/crd.projectcalico.org/v1'])).stdout);
    expect(raw.resources[0]).toMatchObject({
      name: 'blockaffinities',
      kind: 'BlockAffinity',
      namespaced: false,
    });
  });

  it('get nodes --watch prints the changes', async () => {
    api.apply(node('node-a'));
    const watch = kubectlStream(api, ['get', 'nodes', '--watch', '--output-watch-events'], 15_000);
    try {
      await pollUntil('the initial row', () => watch.lines.some((l) => /^ADDED\s+node-a\b/.test(l)), {
        timeoutMs: 10_000,
      });
      await pollUntil('the watch request', () => api.stats().openWatches.nodes === 1);
      api.patch(nodeRef('node-a'), (n) => {
        n.metadata.labels = { zone: 'b' };
      });
      api.apply(node('node-b'));
      api.delete(nodeRef('node-a'));
      await pollUntil('the delete', () => watch.lines.some((l) => /^DELETED\s+node-a\b/.test(l)), {
        timeoutMs: 10_000,
      });
      expect(rows(watch.lines.join('\n')).map((r) => `${r[0]} ${r[1]}`)).toEqual([
        'EVENT NAME',
        'ADDED node-a',
        'MODIFIED node-a',
        'ADDED node-b',
        'DELETED node-a',
      ]);
      const watchRequest = api.requestLog().find((r) => r.verb === 'watch');
      expect(watchRequest?.query).toEqual({ watch: 'true', resourceVersion: '2' });
    } finally {
      watch.kill();
      await watch.exited;
    }
  });

  it('version reports the server version', async () => {
    const { stdout } = await kubectl(api, ['version', '-o', 'json']);
    expect(JSON.parse(stdout).serverVersion).toMatchObject({
      major: '1',
      minor: '30',
      gitVersion: 'v1.30.0',
    });
  });
});
