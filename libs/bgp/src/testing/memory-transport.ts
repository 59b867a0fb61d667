// In-memory TCP for session tests: connections between "addresses" that exist only in this
// process. Delivery is asynchronous (a macrotask), like a real socket; `write` returns false once
// more than `highWaterMark` bytes are in flight, and 'drain' follows, so backpressure is real.
import { EventEmitter } from 'node:events';
import type { ConnectOptions, Transport, TransportSocket } from '../session/transport';

export class MemorySocket extends EventEmitter implements TransportSocket {
  peer: MemorySocket | undefined;
  private inFlight = 0;
  private needDrain = false;
  private closed = false;
  private ending = false;
  /** Every byte written, for assertions. */
  readonly written: Uint8Array[] = [];

  constructor(
    readonly localAddress: string,
    readonly remoteAddress: string,
    readonly remotePort: number,
    private readonly highWaterMark: number,
  ) {
    super();
  }

  write(data: Uint8Array): boolean {
    if (this.closed || this.ending) return false;
    const copy = Uint8Array.from(data);
    this.written.push(copy);
    this.inFlight += copy.length;
    setImmediate(() => {
      this.inFlight -= copy.length;
      if (!this.closed && this.peer && !this.peer.closed) this.peer.emit('data', copy);
      if (this.needDrain && this.inFlight === 0 && !this.closed) {
        this.needDrain = false;
        this.emit('drain');
      }
    });
    if (this.inFlight >= this.highWaterMark) this.needDrain = true;
    return !this.needDrain;
  }

  end(): void {
    if (this.closed || this.ending) return;
    this.ending = true;
    // After everything written so far has been delivered, both ends close (allowHalfOpen false).
    setImmediate(() => setImmediate(() => this.destroy()));
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    setImmediate(() => this.emit('close'));
    const peer = this.peer;
    if (peer && !peer.closed) {
      setImmediate(() => {
        if (peer.closed) return;
        peer.closed = true;
        peer.emit('close');
      });
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

type Accept = (socket: MemorySocket) => void;

export class MemoryNetwork {
  private readonly listeners = new Map<string, Accept>();
  private nextPort = 40000;

  /** Accepts connections to address:port until the returned function is called. */
  listen(address: string, port: number, accept: Accept): () => void {
    const key = `${address}:${port}`;
    this.listeners.set(key, accept);
    return () => this.listeners.delete(key);
  }

  /** A Transport whose connections come from `localAddress` (unless the caller names one). */
  transport(localAddress: string, highWaterMark = 16 * 1024): Transport {
    return {
      connect: (options: ConnectOptions) =>
        this.connect(options.localAddress ?? localAddress, options, highWaterMark),
    };
  }

  private connect(from: string, { host, port }: ConnectOptions, highWaterMark: number): MemorySocket {
    const client = new MemorySocket(from, host, port, highWaterMark);
    const accept = this.listeners.get(`${host}:${port}`);
    setImmediate(() => {
      if (client.isClosed) return;
      if (!accept) {
        client.emit(
          'error',
          Object.assign(new Error(`connect ECONNREFUSED ${host}:${port}`), { code: 'ECONNREFUSED' }),
        );
        client.destroy();
        return;
      }
      const server = new MemorySocket(host, from, this.nextPort++, highWaterMark);
      client.peer = server;
      server.peer = client;
      accept(server);
      client.emit('connect');
    });
    return client;
  }
}
