import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { tieSockets } from './tcp-pair';

/** What happens to JetStream publish acknowledgements on their way from the server to a client. */
export type AckFault =
  | { kind: 'pass' }
  /** Never delivered: the message is stored, the client never hears of it. */
  | { kind: 'drop' }
  /** Delivered this late. */
  | { kind: 'delay'; ms: number }
  /** Replaced: e.g. a JetStream error answer, as a stream whose store fails would give. */
  | { kind: 'rewrite'; to: (ack: Record<string, unknown>) => Record<string, unknown> };

export interface NatsFaultProxy {
  /** nats://127.0.0.1:<port>: give this to the client under test. */
  readonly url: string;
  readonly port: number;
  /** Acknowledgements seen since start (whatever was done to them). */
  readonly acksSeen: number;
  setAckFault(fault: AckFault): void;
  /** Holds everything the server sends (acks, messages, PONGs) until resume(): a server that hangs. */
  pause(): void;
  resume(): void;
  /** Ends every connection through the proxy; clients reconnect through it. */
  cutConnections(): void;
  /**
   * The next `count` connections are cut in the middle of their handshake: the client has the
   * server's INFO, and its CONNECT (with the PING it waits on) is where the proxy closes both
   * sides, as a server stopping at that moment does.
   */
  cutHandshakes(count: number): void;
  /** Connections cut by cutHandshakes so far. */
  readonly handshakesCut: number;
  close(): Promise<void>;
}

const CRLF = Buffer.from('\r\n');

/**
 * A TCP proxy in front of a real nats-server that can interfere with what the server sends, for
 * tests that need a fault on purpose rather than by luck: a publish acknowledgement that is
 * late, lost or an error, a server that stops answering, connections that drop. Client→server
 * bytes pass untouched. It understands just enough of the NATS protocol (control lines, MSG and
 * HMSG payload lengths) to find acknowledgements: MSG frames whose payload is a JetStream PubAck
 * (`{"stream":…,"seq":…}`).
 */
export async function startNatsFaultProxy(targetPort: number, host = '127.0.0.1'): Promise<NatsFaultProxy> {
  let fault: AckFault = { kind: 'pass' };
  let paused = false;
  let acksSeen = 0;
  let handshakesToCut = 0;
  let handshakesCut = 0;
  const pairs = new Set<{ client: Socket; upstream: Socket; resume: () => void }>();

  const server: Server = createServer((client) => {
    const upstream = tcpConnect({ host, port: targetPort });
    const held: Buffer[] = [];
    const toClient = (chunk: Buffer) => {
      if (client.destroyed) return;
      if (paused) held.push(chunk);
      else client.write(chunk);
    };
    const parser = new ServerStreamParser((frame, ack) => {
      if (!ack) return toClient(frame.raw);
      acksSeen++;
      const f = fault;
      if (f.kind === 'pass') toClient(frame.raw);
      else if (f.kind === 'delay') setTimeout(() => toClient(frame.raw), f.ms).unref();
      else if (f.kind === 'rewrite') toClient(frame.withPayload(Buffer.from(JSON.stringify(f.to(ack)))));
      // drop: nothing
    });
    const pair = {
      client,
      upstream,
      resume: () => {
        for (const chunk of held.splice(0)) if (!client.destroyed) client.write(chunk);
      },
    };
    pairs.add(pair);
    // Decided when the connection opens: the INFO the server sends first passes, the client's
    // first bytes (CONNECT and PING) end it.
    const cutHandshake = handshakesToCut > 0;
    if (cutHandshake) handshakesToCut--;
    client.on('data', (d) => {
      if (cutHandshake) {
        handshakesCut++;
        client.destroy();
        upstream.destroy();
        return;
      }
      upstream.write(d);
    });
    upstream.on('data', (d) => parser.push(d));
    tieSockets(client, upstream, () => pairs.delete(pair));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `nats://${host}:${port}`,
    port,
    get acksSeen() {
      return acksSeen;
    },
    get handshakesCut() {
      return handshakesCut;
    },
    cutHandshakes(count) {
      handshakesToCut = count;
    },
    setAckFault(f) {
      fault = f;
    },
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      for (const p of pairs) p.resume();
    },
    cutConnections() {
      for (const p of [...pairs]) {
        p.client.destroy();
        p.upstream.destroy();
      }
    },
    async close() {
      for (const p of [...pairs]) {
        p.client.destroy();
        p.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Frame {
  raw: Buffer;
  withPayload(payload: Buffer): Buffer;
}

/** Splits the server's byte stream into protocol frames; MSG/HMSG frames carry their payload. */
class ServerStreamParser {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly onFrame: (frame: Frame, ack: Record<string, unknown> | undefined) => void) {}

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    for (;;) {
      const eol = this.buffer.indexOf(CRLF);
      if (eol < 0) return;
      const line = this.buffer.subarray(0, eol).toString('latin1');
      const op = line.slice(0, line.indexOf(' ') < 0 ? line.length : line.indexOf(' ')).toUpperCase();
      if (op !== 'MSG' && op !== 'HMSG') {
        this.emit(eol + 2, undefined);
        continue;
      }
      // MSG <subject> <sid> [reply] <#bytes>; HMSG <subject> <sid> [reply] <#hdr> <#total>
      const parts = line.split(' ').filter(Boolean);
      const size = Number(parts[parts.length - 1]);
      const total = eol + 2 + size + 2;
      if (this.buffer.length < total) return;
      if (op === 'MSG') {
        const payload = this.buffer.subarray(eol + 2, eol + 2 + size);
        this.emit(total, pubAck(payload), parts);
      } else {
        this.emit(total, undefined);
      }
    }
  }

  private emit(length: number, ack: Record<string, unknown> | undefined, parts?: string[]): void {
    const raw = this.buffer.subarray(0, length);
    this.buffer = this.buffer.subarray(length);
    const copy = Buffer.from(raw);
    this.onFrame(
      {
        raw: copy,
        withPayload: (payload) =>
          Buffer.concat([
            Buffer.from(`${[...parts!.slice(0, -1), String(payload.length)].join(' ')}\r\n`, 'latin1'),
            payload,
            CRLF,
          ]),
      },
      ack,
    );
  }
}

function pubAck(payload: Buffer): Record<string, unknown> | undefined {
  if (payload.length === 0 || payload[0] !== 0x7b /* { */) return undefined;
  try {
    const v = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
    return typeof v.stream === 'string' && typeof v.seq === 'number' ? v : undefined;
  } catch {
    return undefined;
  }
}
