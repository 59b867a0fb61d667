import { createServer, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endClient } from './end-client';

/** A "server" that accepts connections and never answers: Client.end() alone waits forever. */
describe('endClient', () => {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  let port: number;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('ends a client whose server never answers, destroying its socket', async () => {
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'x', database: 'x' });
    client.on('error', () => undefined);
    void client.connect().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50)); // connected at the TCP level
    expect(sockets).toHaveLength(1);
    await endClient(client, 100);
    const stream = (client as unknown as { connection: { stream: { destroyed: boolean } } }).connection
      .stream;
    expect(stream.destroyed).toBe(true);
  });

  it('is a no-op without a client', async () => {
    await expect(endClient(undefined)).resolves.toBeUndefined();
  });
});
