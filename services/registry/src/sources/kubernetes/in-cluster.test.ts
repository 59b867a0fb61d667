import { execFileSync } from 'node:child_process';

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

import { tmpdir } from 'node:os';

import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FakeKubeApi } from '@isthmus/fake-kube';

import { startRegistry, type RegistryUnderTest } from '../../testing/registry-harness';
import { node } from '../../testing/kube-fixtures';
import { pollUntil } from '@isthmus/testing';

/**
 * A cluster registered with `inCluster: true`: the registry reads the API server's address from
 * KUBERNETES_SERVICE_HOST/PORT and its credentials from the pod's service account files, as in a
 * pod (https://kubernetes.io/docs/tasks/run-application/access-api-from-pod/). The service
 * account directory sits under KUBE_IN_CLUSTER_PATH_PREFIX here. The fake API server serves
 * HTTPS with a certificate made for the test, and the service account's ca.crt is that
 * certificate: client-node verifies it (in-cluster, it never skips TLS verification).
 */
describe('Kubernetes source, in-cluster connection', () => {
  const token = 'in-cluster-service-account-token';
  let api: FakeKubeApi;
  let r: RegistryUnderTest;
  let root: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'isthmus-in-cluster-'));
    const accountDir = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(accountDir, { recursive: true });
    // A self-signed certificate for 127.0.0.1 is its own CA.
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(root, 'key.pem'),
        '-out',
        join(accountDir, 'ca.crt'),
        '-days',
        '1',
        '-subj',
        '/CN=kubernetes',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'pipe' },
    );
    // anonymous: false, so a request without the service account's token would be refused.
    api = await FakeKubeApi.start({
      token,
      anonymous: false,
      tls: {
        key: readFileSync(join(root, 'key.pem'), 'utf8'),
        cert: readFileSync(join(accountDir, 'ca.crt'), 'utf8'),
      },
    });
    api.apply(node('node-1', '198.51.100.30', { podCIDRs: ['10.251.0.0/24'] }));
    writeFileSync(join(accountDir, 'token'), token);
    writeFileSync(join(accountDir, 'namespace'), 'isthmus');
    process.env.KUBERNETES_SERVICE_HOST = '127.0.0.1';
    process.env.KUBERNETES_SERVICE_PORT = new URL(api.url).port;
    r = await startRegistry({
      env: {
        SOURCES_ENABLED: 'true',
        SOURCE_SYNC_INTERVAL_MS: '200',
        KUBE_CRD_CHECK_INTERVAL_MS: '200',
        KUBE_IN_CLUSTER_PATH_PREFIX: root,
      },
    });
  });
  afterAll(async () => {
    await r?.stop();
    await api?.stop();
    delete process.env.KUBERNETES_SERVICE_HOST;
    delete process.env.KUBERNETES_SERVICE_PORT;
    rmSync(root, { recursive: true, force: true });
  });

  it('watches the cluster with the service account token', async () => {
    const res = await r.request('POST', '/v1/clusters', {
      id: 'home',
      kind: 'kubernetes',
      connection: { inCluster: true },
    });
    expect(res.status).toBe(201);
    expect(res.body.connection).toMatchObject({ source: 'in-cluster' });
    await pollUntil(
      'cluster home synced',
      async () => (await r.request('GET', '/v1/clusters/home')).body.status === 'synced',
      { intervalMs: 50 },
    );
    const blocks = (await r.request('GET', '/v1/pod-blocks?cluster=home')).body.items;
    expect(blocks).toMatchObject([{ cidr: '10.251.0.0/24', nextHop: '198.51.100.30' }]);
    // Every request carried the token: the server answers 401 to anything else.
    expect(api.stats().requests['list nodes']).toBeGreaterThan(0);
  });
});
