// Lets queued I/O run in tests of in-memory sockets (waiting for a condition: pollUntil from
// @isthmus/testing).

/** Lets queued I/O callbacks (setImmediate, in-memory sockets) run. */
export async function settle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}
