import { connect as tcpConnect } from 'node:net';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, describe, expect, it } from 'vitest';
import { startNatsServer, uniqueName, type NatsServerHandle } from './index';

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

async function messagesOf(url: string, stream: string): Promise<string[]> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    const count = (await jsm.streams.info(stream)).state.messages;
    const out: string[] = [];
    for (let seq = 1; seq <= count; seq++) {
      out.push((await jsm.streams.getMessage(stream, { seq }))?.string() ?? '<missing>');
    }
    return out;
  } finally {
    await nc.close();
  }
}

describe('startNatsServer', () => {
  const servers: NatsServerHandle[] = [];
  afterAll(async () => {
    for (const server of servers) await server.stop();
  });

  it('keeps the port and the JetStream store across stop()/start() and kill()/start()', async () => {
    const server = await startNatsServer();
    servers.push(server);
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);
    const stream = uniqueName('OUTAGE');

    const nc = await connect({ servers: server.url });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: stream, subjects: [`${stream}.>`] });
    const js = jetstream(nc);
    for (const body of ['one', 'two', 'three']) await js.publish(`${stream}.x`, body);
    await nc.close();

    await server.stop();
    expect(await refusesConnections(server.port)).toBe(true);
    await server.stop(); // already stopped: nothing to do

    const port = server.port;
    await server.start();
    expect(server.port).toBe(port);
    expect(await messagesOf(server.url, stream)).toEqual(['one', 'two', 'three']);

    // A crash: the messages that reached the disk before it are still there afterwards.
    await server.kill();
    expect(await refusesConnections(server.port)).toBe(true);
    await server.start();
    expect(server.port).toBe(port);
    expect(await messagesOf(server.url, stream)).toEqual(['one', 'two', 'three']);
  });

  it('runs two servers side by side on different ports', async () => {
    const [a, b] = await Promise.all([startNatsServer(), startNatsServer()]);
    servers.push(a, b);
    expect(a.port).not.toBe(b.port);
    for (const server of [a, b]) {
      const nc = await connect({ servers: server.url });
      const info = await (await jetstreamManager(nc)).getAccountInfo();
      expect(info.streams).toBe(0); // a private store: nothing from the other test
      await nc.close();
    }
  });

  it('starts without JetStream when asked to', async () => {
    const server = await startNatsServer({ jetstream: false });
    servers.push(server);
    const nc = await connect({ servers: server.url });
    try {
      await expect(jetstreamManager(nc)).rejects.toThrow(/jetstream/i);
    } finally {
      await nc.close();
    }
  });
});
