import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import {
  pollUntil,
  startNatsFaultProxy,
  startNatsServer,
  type NatsFaultProxy,
  type NatsServerHandle,
} from '@isthmus/testing';
import { BusConnection, failHandshakeOnClose } from './index';

/**
 * A server that goes away in the middle of a handshake (after its INFO, before the PONG that
 * ends the client's CONNECT): nats.js then waited out its whole dial timeout before the next
 * attempt (handshake-close.ts). The dial timeout here is 60 s, longer than any wait of this
 * test, so a stalled dial cannot pass it.
 */
describe('BusConnection, a handshake cut short', () => {
  let server: NatsServerHandle;
  let proxy: NatsFaultProxy;
  const buses: BusConnection[] = [];
  const settings = { reconnectTimeWaitMs: 100, dialTimeoutMs: 60_000 };

  beforeAll(async () => {
    server = await startNatsServer({ jetstream: false });
    proxy = await startNatsFaultProxy(server.port);
  });
  afterAll(async () => {
    for (const bus of buses) await bus.close();
    await proxy?.close();
    await server?.stop();
  });

  it('is patched in this process (a nats.js of another shape would leave it off)', () => {
    expect(failHandshakeOnClose()).toBe(true);
  });

  it('reconnects after the server closed the handshake, however long the dial timeout', async () => {
    const bus = new BusConnection(proxy.url, 'handshake-reconnect', undefined, settings);
    buses.push(bus);
    await bus.whenConnected();
    const link = bus.linkSignal();
    proxy.cutHandshakes(3);
    proxy.cutConnections();
    await pollUntil('the link to drop', () => link.aborted);
    await pollUntil(
      'three handshakes cut, then the link up',
      () => proxy.handshakesCut >= 3 && bus.connected,
      {
        timeoutMs: 20_000,
        describeLast: () => `cut ${proxy.handshakesCut}, state ${bus.linkState}`,
      },
    );
    const nc = await bus.connection();
    await nc.flush(); // a round trip on the new link
  });

  it('connects the first time through cut handshakes, and so does a plain nats.js connection', async () => {
    proxy.cutHandshakes(2);
    const bus = new BusConnection(proxy.url, 'handshake-first', undefined, settings);
    buses.push(bus);
    await bus.whenConnected({ timeoutMs: 20_000 });

    const before = proxy.handshakesCut;
    proxy.cutHandshakes(1);
    const plain = await connect({
      servers: proxy.url,
      maxReconnectAttempts: -1,
      waitOnFirstConnect: true,
      reconnectTimeWait: 100,
      timeout: 60_000,
    });
    try {
      expect(proxy.handshakesCut).toBe(before + 1);
      await plain.flush();
    } finally {
      await plain.close();
    }
    // The test's own bound (below) is half the dial timeout: a stalled dial cannot end in time.
  }, 30_000);
});
