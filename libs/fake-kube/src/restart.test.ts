// What a client-node 1.4 informer does when the API server restarts. ListWatch restarts itself
// only after a clean end of its watch or a 410; any other error goes to the error callbacks once
// and the informer stays stopped until someone calls start() again, which resumes the watch from
// the last resourceVersion it saw (no relist). A watcher therefore needs a wrapper that restarts
// it on errors, and that wrapper needs its own "stopped" flag, since stop() fires the error
// callbacks too (informer.test.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { FakeKubeApi } from './index';

import { getJson, node, nodeInformer, type Recording } from './testing/helpers';
import { pollUntil } from '@isthmus/testing';

describe('informer across a server restart', () => {
  let api: FakeKubeApi;
  let rec: Recording;
  beforeEach(async () => {
    api = await FakeKubeApi.start();
    api.apply(node('node-a'));
    rec = nodeInformer(api);
    await rec.informer.start();
  });
  afterEach(async () => {
    await rec.informer.stop();
    await api.stop();
  });

  const TEST_AGENT = 'restart-test';
  /** The informer's requests for nodes (ours carry TEST_AGENT). */
  const nodeRequests = () =>
    api.requestLog().filter((r) => r.resource === 'nodes' && r.userAgent !== TEST_AGENT);

  it('stops for good when its watch is cut, and resumes from its resourceVersion on start()', async () => {
    const rvBefore = rec.resourceVersion();
    await api.restart(); // open watches are cut: the stream ends without its terminating chunk
    await pollUntil('the error callback', () => rec.errors.length === 1);
    const err = rec.errors[0] as Error & { code?: string };
    expect(err.message).toBe('Premature close');
    expect(err.code).toBe('ERR_STREAM_PREMATURE_CLOSE');

    api.apply(node('node-b'));
    // ListWatch has no retry timer: had it reconnected, it would have done so at once. A request
    // of ours, served after the restart, shows the server saw nothing from it.
    expect((await getJson(api, '/api/v1/nodes', { 'user-agent': TEST_AGENT })).status).toBe(200);
    expect(nodeRequests().map((r) => r.verb)).toEqual(['list', 'watch']); // its first list and watch only
    expect(rec.cached()).toEqual(['node-a']);
    expect(api.stats().openWatchCount).toBe(0);

    await rec.informer.start();
    await pollUntil('node-b, from the watch history', () => rec.cached().includes('node-b'));
    const last = nodeRequests().pop();
    expect([last?.verb, last?.query.resourceVersion]).toEqual(['watch', rvBefore]);
    expect(api.stats().requests['list nodes']).toBe(2); // its first list and ours: no relist
    expect(rec.errors).toHaveLength(1);
  });

  it('stops too when the watch ends cleanly at shutdown: the reconnect finds the port closed', async () => {
    await api.stop({ watches: 'end' }); // a graceful shutdown: watch streams end cleanly
    await pollUntil('the error callback', () => rec.errors.length === 1);
    const err = rec.errors[0] as Error & { code?: string; type?: string };
    expect(err.name).toBe('FetchError');
    expect(err.code).toBe('ECONNREFUSED');
    await api.start();
    api.apply(node('node-b'));
    await rec.informer.start();
    await pollUntil('node-b', () => rec.cached().includes('node-b'));
    expect(api.stats().requests['list nodes']).toBe(1);
  });

  it('keeps running behind a wrapper that restarts it after errors', async () => {
    // The pattern a watcher needs: restart on error after a backoff, unless we stopped it.
    let stopped = false;
    let restarts = 0;
    rec.informer.on('error', () => {
      if (stopped) return;
      setTimeout(() => {
        restarts++;
        void rec.informer.start();
      }, 20);
    });

    await api.stop();
    // While the server is down every start() fails at once with ECONNREFUSED.
    await pollUntil('two failed restarts', () => restarts >= 2 && rec.errors.length >= 3);
    expect((rec.errors[1] as { code?: string }).code).toBe('ECONNREFUSED');
    api.apply(node('node-b')); // changed while the API server was away
    await api.start();
    await pollUntil('node-b after the server came back', () => rec.cached().includes('node-b'));
    await pollUntil('its watch', () => api.stats().openWatches.nodes === 1);

    stopped = true;
    const before = rec.errors.length;
    await rec.informer.stop();
    await pollUntil('the AbortError of stop()', () => rec.errors.length === before + 1);
    expect((rec.errors[before] as Error).name).toBe('AbortError');
  });
});
