// 410 Gone and client-node 1.4: which 410s make an informer relist by itself, and which stop it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { FakeKubeApi } from './index';

import { node, nodeInformer, nodeRef, type Recording } from './testing/helpers';
import { pollUntil } from '@isthmus/testing';

describe('informer and 410 Gone', () => {
  let api: FakeKubeApi;
  let rec: Recording;
  beforeEach(async () => {
    api = await FakeKubeApi.start();
    api.apply(node('node-a'));
    api.apply(node('node-b'));
    rec = nodeInformer(api);
    await rec.informer.start();
    expect(rec.cached()).toEqual(['node-a', 'node-b']);
  });
  afterEach(async () => {
    await rec.informer.stop();
    await api.stop();
  });

  const count = (key: string) => api.stats().requests[key] ?? 0;

  it('relists when its watch resumes from a compacted resourceVersion, and ends consistent', async () => {
    // The watch breaks; the informer reports it and stops (client-node restarts only after a
    // clean end or a 410). While it is down the nodes change and history is compacted.
    api.closeWatches('cut');
    await pollUntil('the error callback', () => rec.errors.length === 1);
    const resumeFrom = rec.resourceVersion();
    api.delete(nodeRef('node-b'));
    api.apply(node('node-c'));
    api.patch(nodeRef('node-a'), (n) => {
      n.metadata.labels = { zone: 'z' };
    });
    api.compact();

    // A restart (what a wrapper does after an error) resumes the watch from the last
    // resourceVersion, without a list. The fake answers as the API server does: 200, one ERROR
    // event with a 410 Expired Status, end of stream. ListWatch then clears its resourceVersion
    // and, on the end of the stream, relists.
    await rec.informer.start();
    await pollUntil('the relist to bring node-c', () => rec.cached().includes('node-c'));
    expect(rec.cached()).toEqual(['node-a', 'node-c']);
    // The relist diffs against the cache: a delete for what vanished, add for what is new,
    // update for what has another resourceVersion.
    expect(rec.events.slice(2).sort()).toEqual(['add node-c', 'delete node-b', 'update node-a']);
    expect(rec.resourceVersion()).toBe(api.resourceVersion);
    expect(rec.errors).toHaveLength(1);

    // The cache is filled before the new watch is requested: wait for that watch too.
    await pollUntil('a new watch', () => api.stats().openWatches.nodes === 1);
    const nodes = api.requestLog().filter((r) => r.resource === 'nodes');
    expect(nodes.map((r) => `${r.verb} ${r.query.resourceVersion ?? ''}`)).toEqual([
      'list ',
      'watch 3',
      `watch ${resumeFrom}`, // answered with the ERROR 410 event
      'list ',
      `watch ${api.resourceVersion}`,
    ]);
  });

  it('relists when an open watch gets an ERROR 410 event (no error callback)', async () => {
    api.apply(node('node-c'));
    await pollUntil('node-c', () => rec.cached().includes('node-c'));
    expect(api.closeWatches('expire')).toBe(1);
    await pollUntil('the relist', () => count('list nodes') === 2 && api.stats().openWatches.nodes === 1);
    expect(rec.errors).toEqual([]);
    expect(rec.connects).toBe(2); // the connect callbacks run before each list+watch round
    expect(rec.cached()).toEqual(['node-a', 'node-b', 'node-c']);
    // Same resourceVersions in the new list: no update callbacks for unchanged objects.
    expect(rec.events).toEqual(['add node-a', 'add node-b', 'add node-c']);
  });

  it('relists on a watch answered with HTTP 410', async () => {
    api.inject({ match: { resource: 'nodes', verb: 'watch' }, fault: { status: 410 } });
    api.closeWatches('end'); // a clean end: the informer watches again at once, and gets the 410
    await pollUntil('the relist', () => count('list nodes') === 2 && api.stats().openWatches.nodes === 1);
    expect(rec.errors).toEqual([]);
  });

  it('stops with an error when the list itself answers 410', async () => {
    // ListWatch only treats a 410 from the watch as "relist"; an ApiException from the list
    // function goes to the error callbacks, whatever its code.
    api.inject({ match: { resource: 'nodes', verb: 'list' }, fault: { status: 410 } });
    api.closeWatches('expire');
    await pollUntil('the error callback', () => rec.errors.length === 1);
    expect((rec.errors[0] as { code?: number }).code).toBe(410);
    expect(count('list nodes')).toBe(2);
    expect(api.stats().openWatchCount).toBe(0);
  });
});
