// Injected faults as a client-node 1.4 informer sees them. Every fault but a malformed watch
// event reaches the error callbacks (and stops the informer, see restart.test.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { FakeKubeApi } from './index';

import { getJson, node, nodeInformer, nodeRef, openWatch, type Recording } from './testing/helpers';
import { pollUntil } from '@isthmus/testing';

describe('fault injection', () => {
  let api: FakeKubeApi;
  let rec: Recording;
  beforeEach(async () => {
    api = await FakeKubeApi.start();
    api.apply(node('node-a'));
    rec = nodeInformer(api);
  });
  afterEach(async () => {
    await rec.informer.stop();
    await api.stop();
  });

  /** Starts the informer and waits for its one error. */
  async function firstError(): Promise<Record<string, unknown>> {
    await rec.informer.start();
    await pollUntil('the error callback', () => rec.errors.length === 1);
    return rec.errors[0] as Record<string, unknown>;
  }

  it('status500 on the list: an ApiException with code 500', async () => {
    api.inject({ match: { resource: 'nodes', verb: 'list' }, fault: 'status500' });
    const err = await firstError();
    expect(err.constructor.name).toBe('ApiException');
    expect(err.code).toBe(500);
    // The body is the response text, not parsed: the Status JSON as a string.
    expect(JSON.parse(err.body as string)).toMatchObject({
      kind: 'Status',
      code: 500,
      reason: 'InternalError',
    });
    expect(api.stats().requests['watch nodes']).toBeUndefined();
    expect(api.stats().faultsApplied).toBe(1);
  });

  it('status500 on the watch: an Error with statusCode 500', async () => {
    api.inject({ match: { resource: 'nodes', verb: 'watch' }, fault: 'status500' });
    const err = await firstError();
    expect(err.statusCode).toBe(500);
    expect(err.message).toBe('Internal Server Error');
    expect(rec.cached()).toEqual(['node-a']); // the list went through
  });

  it('malformedJson on the list: a SyntaxError', async () => {
    api.inject({ match: { resource: 'nodes', verb: 'list' }, fault: 'malformedJson' });
    const err = await firstError();
    expect(err).toBeInstanceOf(SyntaxError);
  });

  it('malformedJson on the watch: the event is lost without any error', async () => {
    // client-node's Watch JSON.parses each line and ignores lines that do not parse: the
    // informer misses that change and carries on. Nothing reports it.
    api.inject({ match: { resource: 'nodes', verb: 'watch' }, fault: 'malformedJson' });
    await rec.informer.start();
    api.apply(node('node-lost'));
    api.apply(node('node-seen'));
    await pollUntil('node-seen', () => rec.cached().includes('node-seen'));
    expect(rec.cached()).toEqual(['node-a', 'node-seen']);
    expect(rec.errors).toEqual([]);
  });

  it('dropConnection on the list: a FetchError ECONNRESET (socket hang up)', async () => {
    api.inject({ match: { resource: 'nodes', verb: 'list' }, fault: 'dropConnection' });
    const err = await firstError();
    expect(err.name).toBe('FetchError');
    expect(err.code).toBe('ECONNRESET');
  });

  it('dropConnection on the watch: the stream breaks after what it carried ("Premature close")', async () => {
    await rec.informer.start();
    await rec.informer.stop();
    await pollUntil('the AbortError of stop()', () => rec.errors.length === 1);
    rec.errors.length = 0;
    api.apply(node('node-b'));
    // The next watch resumes from before node-b: it gets node-b's ADDED, then the connection closes.
    api.inject({ match: { resource: 'nodes', verb: 'watch' }, fault: 'dropConnection' });
    const err = await firstError();
    expect(err.code).toBe('ERR_STREAM_PREMATURE_CLOSE');
    expect(rec.cached()).toEqual(['node-a', 'node-b']);
  });

  it('delayMs holds the request, then serves it normally', async () => {
    api.inject({ match: { resource: 'nodes', verb: 'list' }, fault: { delayMs: 500 } });
    const started = rec.informer.start();
    await pollUntil('the held list', () =>
      api.requestLog().some((r) => r.verb === 'list' && r.fault === 'delay 500ms'),
    );
    api.apply(node('node-during-delay')); // the list is answered after this
    await started;
    expect(rec.cached()).toEqual(['node-a', 'node-during-delay']);
    expect(rec.errors).toEqual([]);
  });

  it('applies to `times` matching requests, in the order faults were injected, until cancelled', async () => {
    const fault = api.inject({ match: { path: '/api/v1/nodes' }, fault: { status: 503 }, times: 2 });
    const other = api.inject({
      match: { path: /^\/api\/v1\/nodes$/ },
      fault: { status: 429, reason: 'TooManyRequests' },
    });
    const kube = await getJson(api, '/api/v1/namespaces'); // does not match
    expect(kube.status).toBe(200);
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await getJson(api, '/api/v1/nodes')).status);
    expect(codes).toEqual([503, 503, 429, 200]);
    expect(fault.remaining).toBe(0);
    expect(other.remaining).toBe(0);
    const cancelled = api.inject({ match: { verb: 'get' }, fault: 'status500', times: 5 });
    expect((await getJson(api, '/api/v1/nodes/node-a')).status).toBe(500);
    cancelled.cancel();
    expect((await getJson(api, '/api/v1/nodes/node-a')).status).toBe(200);
    expect(api.delete(nodeRef('node-a'))?.metadata.name).toBe('node-a');
  });

  it('corrupts the first event of a raw watch and goes on', async () => {
    api.inject({ match: { resource: 'nodes', verb: 'watch' }, fault: 'malformedJson' });
    const watch = await openWatch(api, '/api/v1/nodes?watch=true');
    await pollUntil('the garbage line', () => watch.garbage.length === 1);
    api.apply(node('node-b'));
    await pollUntil('node-b', () => watch.events.length === 1);
    expect(watch.events[0]?.object.metadata.name).toBe('node-b');
    watch.close();
  });
});
