import type pg from 'pg';

/**
 * Ends a dedicated pg client (the publisher lease's session, the LISTEN connection) without ever
 * hanging. Client.end() resolves on the connection's 'end' event, which can fail to come when the
 * server went away mid-handshake or the socket is half open after a PostgreSQL restart; a
 * shutdown waiting on it never finished (seen once under load in the postgres-restart test).
 * After `graceMs` the socket is destroyed, which ends the session on the server side too.
 */
export async function endClient(client: pg.Client | undefined, graceMs = 2000): Promise<void> {
  if (!client) return;
  let timer: NodeJS.Timeout | undefined;
  const ended = client.end().catch(() => undefined);
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
  try {
    if ((await Promise.race([ended, late])) === 'late') {
      (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
    }
  } finally {
    clearTimeout(timer);
  }
}
