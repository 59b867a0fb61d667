import { ConnectionError } from '@nats-io/nats-core';
import { ProtocolHandler } from '@nats-io/nats-core/internal';

/**
 * A workaround for nats.js (@nats-io/nats-core 3.4.0, lib/protocol.js), installed once per
 * process when libs/bus is loaded (connection.ts), and so for every nats.js connection the
 * process opens, the services' and the tests' own:
 *
 * A dial waits for two things: the transport (TCP, and the server's INFO), then the PONG that
 * answers the client's CONNECT + PING, each raced against the dial timeout (`timeout`, nats.js
 * default 20 s). When the socket closes between the two (the server stopped or was killed just
 * after it sent INFO, which a restart loop hits often), the transport's close runs the handler
 * that prepare() installed, `disconnected()`. That one starts `dialLoop()`, which returns the
 * dial loop already running, the one waiting for this PONG; nothing rejects the PONG, so the
 * dial waits out the whole dial timeout before the next attempt. Seen here as a connection that
 * stayed down 20 s after its server was back (status events `update`, `disconnect`, then
 * nothing until `reconnecting` 20 s later), which is also how a service sat off the bus for
 * the length of its dial timeout after a restart.
 *
 * The fix: every handshake's PONG is rejected when its transport closes. A PONG that already
 * came (a link that was up and dropped later) is settled, and a settled promise ignores the
 * reject. The dial then fails at once and the dial loop goes on as after any failed attempt.
 *
 * If a later nats.js changes the shape this relies on (ProtocolHandler.prototype.prepare
 * returning the PONG deferred, `this.transport.closed()`), nothing is patched and the dial
 * timeout bounds the stall as before; bus-connection.test.ts reproduces the condition.
 */
let installed: boolean | undefined;

interface Deferred {
  reject(err: unknown): void;
}
interface PreparingHandler {
  transport?: { closed?: () => Promise<unknown> };
}

export function failHandshakeOnClose(): boolean {
  if (installed !== undefined) return installed;
  const proto = ProtocolHandler.prototype as unknown as {
    prepare?: (this: PreparingHandler, ...args: unknown[]) => unknown;
  };
  const prepare = proto.prepare;
  if (typeof prepare !== 'function') return (installed = false);
  proto.prepare = function (this: PreparingHandler, ...args: unknown[]): unknown {
    const pong = prepare.apply(this, args) as Partial<Deferred> | undefined;
    const closed = this.transport?.closed?.();
    if (closed && typeof pong?.reject === 'function') {
      const reject = pong.reject.bind(pong);
      void closed.then(() =>
        reject(new ConnectionError('the server closed the connection during the handshake')),
      );
    }
    return pong;
  };
  return (installed = true);
}
