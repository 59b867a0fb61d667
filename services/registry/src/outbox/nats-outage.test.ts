import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { registrySubjects } from '@isthmus/contracts';

import { startNatsServer, type NatsServerHandle, pollUntil } from '@isthmus/testing';

import { startRegistry, StreamReader, type RegistryUnderTest } from '../testing/registry-harness';
import { OutboxRelay } from './outbox-relay';

/**
 * NATS stops while writes go on: the writes succeed (they wait in the outbox), and once NATS is
 * back every event is stored, exactly once, and each entity ends on its newest state.
 */
describe('NATS outage while writes go on', () => {
  let nats: NatsServerHandle;
  let r: RegistryUnderTest;
  let stream: StreamReader;

  beforeAll(async () => {
    nats = await startNatsServer({ jetstream: true });
    r = await startRegistry({ env: { NATS_URL: nats.url } });
    stream = await StreamReader.open(r.config.streamName, nats.url);
  });
  afterAll(async () => {
    await stream?.close();
    await r?.stop();
    await nats?.kill();
  });

  it('keeps every event and publishes it once NATS is back, in order per subject', async () => {
    const subjects = registrySubjects(r.config.subjectRoot);
    const relay = r.app.get(OutboxRelay);
    await r.request('POST', '/v1/clusters', { id: 'east', kind: 'static' });
    await r.request('PUT', '/v1/clusters/east/nodes/n0', { addresses: ['192.0.2.100'] });
    await pollUntil('the first events', async () => (await stream.storedCount()) === 2, { intervalMs: 50 });

    await nats.stop();
    // 20 nodes, each changed 5 times while NATS is away: 100 events, written one by one.
    const last = new Map<string, number>();
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 20; i++) {
        const res = await r.request('PUT', `/v1/clusters/east/nodes/n${i}`, {
          addresses: [`192.0.2.${i + 1}`],
          labels: { round: String(round) },
        });
        expect(res.status).toBe(200);
        last.set(`n${i}`, res.body.revision);
      }
    }
    expect(await relay.pending()).toBe(100);
    expect((await r.request('GET', '/readyz', undefined, null)).status).toBe(503);
    // While NATS is away the relay waits for the link; it does not fail round after round (and
    // build up a backoff that would keep it idle after NATS is back).
    const metrics = (await r.request('GET', '/metrics', undefined, null)).body as string;
    expect(Number(/^isthmus_registry_relay_errors_total (\d+)/m.exec(metrics)?.[1])).toBeLessThanOrEqual(1);
    expect(metrics).toMatch(/^isthmus_registry_nats_connected 0$/m);

    await nats.start();
    await pollUntil('the outbox to drain', async () => (await relay.pending()) === 0, {
      timeoutMs: 60_000,
      intervalMs: 50,
    });
    // The test's own reader reconnects too; then a wrongly duplicated publish would show as more.
    await pollUntil('the reader to see the stream', async () => (await stream.storedCount()) >= 102);
    await new Promise((res) => setTimeout(res, 300));
    expect(await stream.storedCount()).toBe(102);
    for (const [name, revision] of last) {
      expect(await stream.lastFor(subjects.node('east', name))).toMatchObject({
        revision,
        state: { labels: { round: '4' } },
      });
    }
    await pollUntil(
      'readiness',
      async () => (await r.request('GET', '/readyz', undefined, null)).status === 200,
      { intervalMs: 50 },
    );
  });
});
