// A TCP listener for connections peers initiate (passive peers, and the peer's side of a
// collision, RFC 4271 §6.8). The speaker routes each accepted socket to the peer it comes from.
import { createServer, type Server, type Socket } from 'node:net';
import type { TransportSocket } from './transport';

export interface ListenAddress {
  host: string;
  port: number;
}

export interface Listening {
  /** The port actually bound (useful with port 0). */
  port: number;
  close(): Promise<void>;
}

export type Listen = (
  address: ListenAddress,
  accept: (socket: TransportSocket) => void,
) => Promise<Listening>;

export const tcpListen: Listen = (address, accept) =>
  new Promise((resolve, reject) => {
    const sockets = new Set<Socket>();
    const server: Server = createServer((socket) => {
      socket.setNoDelay(true);
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      // Until the session attaches its own handler an error must not become an uncaught exception.
      socket.on('error', () => undefined);
      accept(socket);
    });
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      server.on('error', () => undefined);
      const bound = server.address();
      resolve({
        port: typeof bound === 'object' && bound ? bound.port : address.port,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
