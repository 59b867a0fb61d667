import type { Socket } from 'node:net';

/**
 * Ties the two ends of a relayed TCP connection together: either side closing or failing ends
 * both, as a direct connection would end. `onEnd` runs once both are destroyed.
 */
export function tieSockets(a: Socket, b: Socket, onEnd?: () => void): void {
  let ended = false;
  const cut = (): void => {
    a.destroy();
    b.destroy();
    if (!ended) {
      ended = true;
      onEnd?.();
    }
  };
  for (const s of [a, b]) {
    s.on('close', cut);
    s.on('error', cut);
  }
}
