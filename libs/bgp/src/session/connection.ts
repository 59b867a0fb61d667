// One TCP connection carrying BGP messages: frames what arrives, writes what is queued in
// batches while respecting the socket's backpressure, and turns every socket failure into a
// callback — never into an exception (DESIGN.md: the process never crashes on peer input).
import type { BgpDecodeError } from '../codec';
import type { ConnectionDirection } from '../fsm';
import type { Clock, TimerHandle } from './clock';
import { MessageFramer } from './framer';
import type { TransportSocket } from './transport';

export interface ConnectionEvents {
  /** The outgoing connection is up (RFC 4271 §8.1.4 Tcp_CR_Acked). */
  connected(): void;
  /** One whole message. */
  frame(frame: Uint8Array): void;
  /** The byte stream has a bad header (RFC 4271 §6.1); nothing more will be read. */
  headerError(error: BgpDecodeError): void;
  /** The connection failed or the peer closed it (not called after close()/destroy()). */
  failed(why: string): void;
  /**
   * Everything queued has been written out, after writing had to wait (for 'drain' or a later
   * turn of the event loop): a good moment to write more. Never called synchronously from a send.
   */
  drained(): void;
  /** Producing a queued message threw (a bug, not peer input); the queue was dropped. */
  sourceFailed(error: Error): void;
}

/** Messages are written in batches of about this size: few syscalls, no giant buffer. */
const BATCH_BYTES = 64 * 1024;
/** After close(), how long the queue may take to flush before the socket is destroyed. */
const CLOSE_GRACE_MS = 3_000;

type Phase = 'connecting' | 'open' | 'closing' | 'closed';

export class BgpConnection {
  private phase: Phase;
  private readonly framer = new MessageFramer();
  /**
   * What is still to be written, in order. Sources are iterated lazily, one batch at a time, so
   * a large table is encoded while the peer is already reading its first UPDATEs.
   */
  private sources: Iterator<Uint8Array>[] = [];
  private waitingForDrain = false;
  private pumpScheduled = false;
  private closeTimer: TimerHandle | undefined;

  constructor(
    private readonly socket: TransportSocket,
    readonly direction: ConnectionDirection,
    private readonly clock: Clock,
    private readonly events: ConnectionEvents,
  ) {
    this.phase = direction === 'outgoing' ? 'connecting' : 'open';
    socket.on('connect', () => this.onConnect());
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('drain', () => this.onDrain());
    socket.on('error', (error) => this.fail(`socket error: ${error.message}`));
    socket.on('close', () => this.fail('connection closed by the peer'));
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  /** Open and nothing left to write: a good moment to write more. */
  get writable(): boolean {
    return this.phase === 'open' && this.sources.length === 0 && !this.waitingForDrain && !this.pumpScheduled;
  }

  get isOpen(): boolean {
    return this.phase === 'open';
  }

  send(message: Uint8Array): void {
    this.sendAll([message]);
  }

  /** Queues messages behind those already queued; an iterable is only read as the socket takes it. */
  sendAll(messages: Iterable<Uint8Array>): void {
    if (this.phase !== 'open') return;
    this.sources.push(messages[Symbol.iterator]());
    this.pump();
  }

  /**
   * Sends `message` (a NOTIFICATION) in place of whatever is still queued, then closes: once
   * the session is being reset, pending UPDATEs are moot (RFC 4271 §6: the connection is closed
   * immediately after the NOTIFICATION).
   */
  sendLast(message: Uint8Array): void {
    if (this.phase !== 'open') return;
    this.sources = [[message][Symbol.iterator]()];
    this.pump();
    this.close();
  }

  /** Stops reading, flushes the queue, then closes; destroys after a grace period. */
  close(): void {
    if (this.phase === 'closed' || this.phase === 'closing') return;
    if (this.phase === 'connecting') {
      this.destroy();
      return;
    }
    this.phase = 'closing';
    this.closeTimer = this.clock.setTimeout(() => this.destroy(), CLOSE_GRACE_MS);
    if (this.sources.length === 0 && !this.waitingForDrain) this.socket.end();
  }

  destroy(): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    if (this.closeTimer !== undefined) this.clock.clearTimeout(this.closeTimer);
    this.sources = [];
    this.socket.destroy();
  }

  private onConnect(): void {
    if (this.phase !== 'connecting') return;
    this.phase = 'open';
    this.events.connected();
  }

  private onData(chunk: Uint8Array): void {
    if (this.phase !== 'open') return;
    const { frames, error } = this.framer.push(chunk);
    for (const frame of frames) {
      // The handler may have closed the connection (e.g. after sending a NOTIFICATION): the
      // rest of the chunk is not ours to interpret any more.
      if (this.phase !== 'open') return;
      this.events.frame(frame);
    }
    if (error && this.phase === 'open') this.events.headerError(error);
  }

  private onDrain(): void {
    this.waitingForDrain = false;
    this.pump(true);
  }

  /** About BATCH_BYTES of queued messages as one buffer, or undefined when nothing is queued. */
  private nextBatch(): Uint8Array | undefined {
    const parts: Uint8Array[] = [];
    let size = 0;
    while (this.sources.length > 0 && size < BATCH_BYTES) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = this.sources[0]!.next();
      } catch (error) {
        // Reported in a later turn: the handler will reset the session, which writes to this
        // very connection, and must not do so from inside this write.
        this.sources = [];
        setImmediate(() =>
          this.events.sourceFailed(error instanceof Error ? error : new Error(String(error))),
        );
        return undefined;
      }
      if (next.done) {
        this.sources.shift();
        continue;
      }
      parts.push(next.value);
      size += next.value.length;
    }
    if (parts.length <= 1) return parts[0];
    return Buffer.concat(parts, size);
  }

  /**
   * Writes one batch. While the socket takes them, the next batch follows in a later turn of the
   * event loop, so that a large table neither blocks timers and other sessions nor sits in
   * memory encoded all at once; when the socket is full, 'drain' resumes. `later`: called from
   * 'drain' or a scheduled turn, when emptying the queue is worth reporting.
   */
  private pump(later = false): void {
    if (this.waitingForDrain || (this.phase !== 'open' && this.phase !== 'closing')) return;
    const batch = this.nextBatch();
    if (batch === undefined) {
      if (this.phase === 'closing') this.socket.end();
      else if (later) this.events.drained();
      return;
    }
    if (!this.socket.write(batch)) {
      this.waitingForDrain = true;
      return;
    }
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump(true);
    });
  }

  private fail(why: string): void {
    if (this.phase === 'closed') return;
    const wasClosing = this.phase === 'closing';
    this.destroy();
    if (!wasClosing) this.events.failed(why);
  }
}
