import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tieSockets } from '../../tcp-pair';

// RFC 4271 §4.1: every BGP message starts with a 16-octet marker, a 2-octet length (header
// included) and a 1-octet type; §4.2-4.5 and RFC 2918 define the types counted here.
const HEADER_LENGTH = 19;
const TYPE_NAMES: Record<number, keyof BgpMessageCounts> = {
  1: 'open',
  2: 'update',
  3: 'notification',
  4: 'keepalive',
  5: 'routeRefresh',
};

export interface BgpMessageCounts {
  open: number;
  update: number;
  notification: number;
  keepalive: number;
  routeRefresh: number;
  /** Messages of any other type. */
  other: number;
  /** Octets of all messages. */
  octets: number;
  /** Octets of the UPDATE messages. */
  updateOctets: number;
  /** Date.now() when the first and the last UPDATE had fully arrived at the relay. */
  firstUpdateAt: number | undefined;
  lastUpdateAt: number | undefined;
}

export interface BgpMessageCounterOptions {
  /** Where the connecting speaker connects (127.0.0.0/8). */
  listenAddress: string;
  /** Default: a free port. */
  listenPort?: number;
  /** The listening speaker the relay connects on to. */
  upstreamAddress: string;
  upstreamPort: number;
  /**
   * The source address of the relay's connection to the upstream speaker: the connecting
   * speaker's own address, because BGP speakers accept connections from configured neighbor
   * addresses only.
   */
  upstreamLocalAddress: string;
}

export interface BgpMessageCounter {
  readonly listenAddress: string;
  readonly listenPort: number;
  readonly upstreamAddress: string;
  readonly upstreamPort: number;
  /** Messages sent by the connecting speaker (towards upstream) and by the upstream one, since start or reset(). */
  counts(): { fromConnecting: BgpMessageCounts; fromUpstream: BgpMessageCounts };
  /** Date.now() when the relay last accepted a connection (the speakers' TCP connection), since start or reset(). */
  lastConnectionAt(): number | undefined;
  reset(): void;
  /** Stops listening and cuts the relayed connections. */
  close(): Promise<void>;
}

function emptyCounts(): BgpMessageCounts {
  return {
    open: 0,
    update: 0,
    notification: 0,
    keepalive: 0,
    routeRefresh: 0,
    other: 0,
    octets: 0,
    updateOctets: 0,
    firstUpdateAt: undefined,
    lastUpdateAt: undefined,
  };
}

/** Counts the messages of one direction of a byte stream; bytes are forwarded by the caller unchanged. */
export class BgpMessageTally {
  counts = emptyCounts();
  private pending: Buffer = Buffer.alloc(0);

  feed(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let offset = 0;
    while (this.pending.length - offset >= HEADER_LENGTH) {
      const length = this.pending.readUInt16BE(offset + 16);
      // A length below the header's own is a framing error (§6.1); stop counting this stream.
      if (length < HEADER_LENGTH) {
        this.counts.other += 1;
        this.pending = Buffer.alloc(0);
        return;
      }
      if (this.pending.length - offset < length) break;
      const name = TYPE_NAMES[this.pending.readUInt8(offset + 18)] ?? 'other';
      this.counts[name] += 1;
      this.counts.octets += length;
      if (name === 'update') {
        this.counts.updateOctets += length;
        const now = Date.now();
        this.counts.firstUpdateAt ??= now;
        this.counts.lastUpdateAt = now;
      }
      offset += length;
    }
    this.pending = this.pending.subarray(offset);
  }

  reset(): void {
    this.counts = emptyCounts();
  }
}

/**
 * A TCP relay between two BGP speakers on loopback that counts the messages each sends, by
 * type: how many UPDATEs a speaker needed for its table, whatever the speaker is. Point the
 * connecting speaker at listenAddress:listenPort instead of the upstream speaker.
 */
export async function startBgpMessageCounter(options: BgpMessageCounterOptions): Promise<BgpMessageCounter> {
  const fromConnecting = new BgpMessageTally();
  const fromUpstream = new BgpMessageTally();
  const sockets = new Set<Socket>();
  let lastConnectionAt: number | undefined;
  const server: Server = createServer((downstream) => {
    lastConnectionAt = Date.now();
    const upstream = createConnection({
      host: options.upstreamAddress,
      port: options.upstreamPort,
      localAddress: options.upstreamLocalAddress,
    });
    for (const socket of [downstream, upstream]) {
      sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('close', () => sockets.delete(socket));
    }
    downstream.on('data', (chunk: Buffer) => {
      fromConnecting.feed(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      fromUpstream.feed(chunk);
      downstream.write(chunk);
    });
    tieSockets(downstream, upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listenPort ?? 0, options.listenAddress, () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    listenAddress: options.listenAddress,
    listenPort: port,
    upstreamAddress: options.upstreamAddress,
    upstreamPort: options.upstreamPort,
    counts: () => ({
      fromConnecting: { ...fromConnecting.counts },
      fromUpstream: { ...fromUpstream.counts },
    }),
    lastConnectionAt: () => lastConnectionAt,
    reset: () => {
      lastConnectionAt = undefined;
      fromConnecting.reset();
      fromUpstream.reset();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
