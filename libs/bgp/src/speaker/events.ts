// Observability hooks of the speaker: what an operator wants to see about each peer.
import type { BgpDecodeError } from '../codec';
import type { Afi, UpdateMessage } from '../codec/types';
import type { BgpState, NotificationSpec } from '../fsm';

export interface SpeakerEvents {
  /** Every state change of a peer, with the reason (RFC 4271 §8). */
  stateChange: { peer: string; from: BgpState; to: BgpState; reason: string };
  established: { peer: string; families: Afi[]; holdTimeSeconds: number; peerRouterId: string };
  down: { peer: string; reason: string };
  notificationSent: { peer: string; notification: NotificationSpec };
  notificationReceived: { peer: string; notification: NotificationSpec };
  /** A flush of the Adj-RIB-Out to a peer: prefixes announced and withdrawn, End-of-RIB markers. */
  advertised: { peer: string; announced: number; withdrawn: number; endOfRib: Afi[] };
  /** An UPDATE from the peer (route reflectors reflect routes of other clients). */
  updateReceived: { peer: string; update: UpdateMessage; errors: BgpDecodeError[] };
  /** Something went wrong inside the speaker or in a listener; the speaker carries on. */
  error: { peer?: string; error: Error };
}

export type SpeakerEventName = keyof SpeakerEvents;
type Listener<K extends SpeakerEventName> = (event: SpeakerEvents[K]) => void;

/** A small typed event emitter; a throwing listener is reported as `error`, never rethrown. */
export class SpeakerEventEmitter {
  private readonly listeners = new Map<SpeakerEventName, Set<Listener<never>>>();

  on<K extends SpeakerEventName>(name: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  emit<K extends SpeakerEventName>(name: K, event: SpeakerEvents[K]): void {
    for (const listener of this.listeners.get(name) ?? []) {
      try {
        (listener as Listener<K>)(event);
      } catch (error) {
        if (name !== 'error')
          this.emit('error', { error: error instanceof Error ? error : new Error(String(error)) });
      }
    }
  }
}
