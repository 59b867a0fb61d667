// The sockets the session runs on, injected: node's `net` in production, an in-memory pair in
// tests (src/testing/memory-transport.ts). Only 'data', 'drain', 'connect', 'error' and 'close'
// are used, so a net.Socket is a TransportSocket as it is.
import { connect as tcpConnect } from 'node:net';

export interface TransportSocket {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  /** false: the kernel buffer is full, wait for 'drain' (node's stream backpressure). */
  write(data: Uint8Array): boolean;
  /** Close after what was written is flushed. */
  end(): void;
  destroy(): void;
  on(event: 'data', listener: (chunk: Uint8Array) => void): this;
  on(event: 'connect' | 'drain' | 'close', listener: () => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
}

export interface ConnectOptions {
  host: string;
  port: number;
  /** The address our side binds to (e.g. a dedicated 127.0.0.x in tests). */
  localAddress?: string;
}

export interface Transport {
  /** Starts an outgoing connection; 'connect' when it is up, 'error' then 'close' when not. */
  connect(options: ConnectOptions): TransportSocket;
}

export const tcpTransport: Transport = {
  connect({ host, port, localAddress }) {
    const socket = tcpConnect({ host, port, ...(localAddress ? { localAddress } : {}) });
    // Small control messages (KEEPALIVE, NOTIFICATION) must not wait for Nagle; UPDATEs are
    // already written in large batches.
    socket.setNoDelay(true);
    return socket;
  },
};
