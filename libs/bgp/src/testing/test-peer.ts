// The other end of a BGP session, scripted by a test: it writes whatever bytes the test gives it
// (well-formed or not) and records what our speaker sends back. It works over a real TCP socket
// or an in-memory one.
import { createServer, type Server, type Socket } from 'node:net';
import { BgpDecodeError, decodeMessage, encodeMessage, frameLength } from '../codec';
import type { BgpMessage, Capability, CodecContext, OpenMessage } from '../codec/types';
import type { TransportSocket } from '../session/transport';

export interface Received {
  raw: Uint8Array;
  message?: BgpMessage;
  error?: BgpDecodeError;
}

const DEFAULT_WAIT_MS = 10_000;

export class TestPeerConnection {
  readonly received: Received[] = [];
  private cursor = 0;
  private buffer = new Uint8Array(0);
  private waiters: (() => void)[] = [];
  private isClosed = false;
  readonly closed: Promise<void>;

  constructor(
    private readonly socket: TransportSocket,
    private readonly ctx: CodecContext = { fourOctetAs: true },
  ) {
    let markClosed!: () => void;
    this.closed = new Promise((resolve) => (markClosed = resolve));
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.isClosed = true;
      markClosed();
      this.wake();
    });
  }

  get closedNow(): boolean {
    return this.isClosed;
  }

  send(bytes: Uint8Array): void {
    if (!this.isClosed) this.socket.write(bytes);
  }

  sendMessage(message: BgpMessage): void {
    this.send(encodeMessage(message, this.ctx));
  }

  /** Sends an OPEN for `asn` with the capabilities a route reflector would send. */
  sendOpen(options: {
    asn: number;
    bgpIdentifier: string;
    holdTimeSeconds?: number;
    capabilities?: Capability[];
  }): void {
    const open: OpenMessage = {
      type: 'open',
      version: 4,
      myAs: options.asn > 0xffff ? 23456 : options.asn,
      holdTimeSeconds: options.holdTimeSeconds ?? 90,
      bgpIdentifier: options.bgpIdentifier,
      capabilities: options.capabilities ?? [
        { kind: 'multiprotocol', afi: 1, safi: 1 },
        { kind: 'multiprotocol', afi: 2, safi: 1 },
        { kind: 'route-refresh' },
        { kind: 'four-octet-as', asn: options.asn },
      ],
    };
    this.sendMessage(open);
  }

  /** The next message (after those already taken) that matches, waiting for it if need be. */
  async next(
    predicate: (m: BgpMessage) => boolean = () => true,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<BgpMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.cursor < this.received.length) {
        const r = this.received[this.cursor++]!;
        if (r.message && predicate(r.message)) return r.message;
      }
      if (this.isClosed) throw new Error('the connection closed before the message came');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no such message within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The next message of a type. */
  nextOf<T extends BgpMessage['type']>(
    type: T,
    timeoutMs?: number,
  ): Promise<Extract<BgpMessage, { type: T }>> {
    return this.next((m) => m.type === type, timeoutMs) as Promise<Extract<BgpMessage, { type: T }>>;
  }

  /** Waits until the connection is closed (by either side). */
  async waitClosed(timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`still open after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Uint8Array): void {
    const joined = new Uint8Array(this.buffer.length + chunk.length);
    joined.set(this.buffer, 0);
    joined.set(chunk, this.buffer.length);
    let offset = 0;
    for (;;) {
      let length: number | undefined;
      try {
        length = frameLength(joined, offset);
      } catch (error) {
        this.received.push({ raw: joined.slice(offset), error: error as BgpDecodeError });
        offset = joined.length;
        break;
      }
      if (length === undefined || offset + length > joined.length) break;
      const raw = joined.slice(offset, offset + length);
      offset += length;
      try {
        this.received.push({ raw, message: decodeMessage(raw, this.ctx).message });
      } catch (error) {
        this.received.push({ raw, error: error as BgpDecodeError });
      }
    }
    this.buffer = joined.slice(offset);
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** Connections accepted by a test peer's listener, handed out in order. */
export class AcceptQueue {
  private readonly ready: TestPeerConnection[] = [];
  private waiters: ((c: TestPeerConnection) => void)[] = [];
  readonly all: TestPeerConnection[] = [];

  push(connection: TestPeerConnection): void {
    this.all.push(connection);
    const waiter = this.waiters.shift();
    if (waiter) waiter(connection);
    else this.ready.push(connection);
  }

  next(timeoutMs = DEFAULT_WAIT_MS): Promise<TestPeerConnection> {
    const ready = this.ready.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== take);
        reject(new Error(`no connection within ${timeoutMs} ms`));
      }, timeoutMs);
      const take = (c: TestPeerConnection): void => {
        clearTimeout(timer);
        resolve(c);
      };
      this.waiters.push(take);
    });
  }
}

/** A test peer listening on real TCP (127.0.0.x): our speaker connects to it. */
export interface TestPeerServer {
  port: number;
  connections: AcceptQueue;
  close(): Promise<void>;
}

export function listenTestPeer(host: string, port: number): Promise<TestPeerServer> {
  const connections = new AcceptQueue();
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    connections.push(new TestPeerConnection(socket));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : port,
        connections,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/**
 * Plays a well-behaved peer through the OPEN exchange (RFC 4271 §8.2.2): waits for our OPEN,
 * answers with its own and a KEEPALIVE, and waits for ours.
 */
export async function handshake(
  connection: TestPeerConnection,
  options: { asn: number; bgpIdentifier: string; holdTimeSeconds?: number },
): Promise<OpenMessage> {
  const open = await connection.nextOf('open');
  connection.sendOpen(options);
  connection.sendMessage({ type: 'keepalive' });
  await connection.nextOf('keepalive');
  return open;
}
