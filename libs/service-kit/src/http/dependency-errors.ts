/**
 * Recognises errors that mean "a dependency is unreachable right now" (the database restarting,
 * a connection cut), as opposed to bad input or a bug: those become 503 with Retry-After, so
 * clients retry instead of treating them as a failure of their request.
 */
const UNAVAILABLE_CODES = new Set([
  // sockets
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  // PostgreSQL SQLSTATE class 08 (connection exception) and 57P0x (shutdown, cannot connect now)
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57P01',
  '57P02',
  '57P03',
  // Prisma: cannot reach the server, server closed the connection, pool timeout
  'P1001',
  'P1002',
  'P1017',
  'P2024',
]);

const UNAVAILABLE_MESSAGES = [
  /Connection terminated/i,
  /connect ECONNREFUSED/i,
  /Can't reach database server/i,
  /Timed out fetching a new connection/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  /terminating connection due to administrator command/i,
  // node-postgres, on a client whose connection died (no code on these)
  /is not queryable/i,
  /server closed the connection unexpectedly/i,
  /unexpected postmaster exit/i,
  /Client was closed/i,
];

export function isDependencyUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (
    let e: unknown = error;
    e && typeof e === 'object' && !seen.has(e);
    e = (e as { cause?: unknown }).cause
  ) {
    seen.add(e);
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((m) => m.test(message))) return true;
  }
  return false;
}
