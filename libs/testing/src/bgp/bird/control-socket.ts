import { type Socket, createConnection } from 'node:net';
import { BirdCommandError, type BirdReplyLine, BirdReplyReader, isErrorCode } from './reply';

interface PendingCommand {
  command: string;
  resolve: (lines: BirdReplyLine[]) => void;
  reject: (err: Error) => void;
}

/**
 * A connection to BIRD's control socket, speaking the birdc protocol directly: one socket for
 * many commands is far cheaper than one birdc process per command, which matters when a
 * benchmark polls every few milliseconds. Commands are answered in order.
 */
export class BirdControlSocket {
  private readonly reader = new BirdReplyReader();
  private readonly queue: PendingCommand[] = [];
  private greeted = false;
  private failure: Error | undefined;

  private constructor(private readonly socket: Socket) {}

  /** Connects and waits for BIRD's greeting (code 0001). */
  static connect(path: string): Promise<BirdControlSocket> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(path);
      const control = new BirdControlSocket(socket);
      socket.setEncoding('utf8');
      const onEarlyError = (err: Error): void => reject(err);
      socket.once('error', onEarlyError);
      socket.on('data', (chunk: string) => {
        let replies: BirdReplyLine[][];
        try {
          replies = control.reader.feed(chunk);
        } catch (err) {
          control.fail(err as Error);
          socket.destroy();
          return;
        }
        for (const reply of replies) {
          if (!control.greeted) {
            control.greeted = true;
            socket.off('error', onEarlyError);
            socket.on('error', (err) => control.fail(err));
            resolve(control);
            continue;
          }
          const pending = control.queue.shift();
          if (!pending) continue;
          const last = reply[reply.length - 1];
          if (last && isErrorCode(last.code))
            pending.reject(new BirdCommandError(pending.command, last.code, last.text));
          else pending.resolve(reply);
        }
      });
      socket.on('close', () => {
        const err = new Error(`BIRD's control socket ${path} closed`);
        if (!control.greeted) reject(err);
        control.fail(err);
      });
    });
  }

  /** Runs one CLI command (`show route count`) and returns its reply lines. */
  command(command: string): Promise<BirdReplyLine[]> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ command, resolve, reject });
      this.socket.write(`${command}\n`);
    });
  }

  /** True once the connection has ended (BIRD stopped, or close() was called). */
  get closed(): boolean {
    return this.failure !== undefined;
  }

  close(): void {
    this.fail(new Error('the control socket connection was closed'));
    this.socket.destroy();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const pending of this.queue.splice(0)) pending.reject(err);
  }
}
