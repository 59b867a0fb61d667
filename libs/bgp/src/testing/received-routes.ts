// What a peer has learned from UPDATEs: an Adj-RIB-In for tests (RFC 4271 §3.2), plus the
// End-of-RIB markers seen (RFC 4724 §2).
import { isEndOfRib } from '../codec';
import type { BgpDecodeError } from '../codec';
import type { PathAttributes, Prefix, UpdateMessage } from '../codec/types';

export interface ReceivedRoute {
  nextHop: string;
  attributes: PathAttributes;
}

export class ReceivedRoutes {
  readonly routes = new Map<Prefix, ReceivedRoute>();
  /** "afi/safi" of every End-of-RIB seen, in order. */
  readonly endOfRib: string[] = [];
  updates = 0;

  apply(update: UpdateMessage, errors: BgpDecodeError[] = []): void {
    this.updates++;
    const eor = isEndOfRib({ message: update, errors });
    if (eor) {
      this.endOfRib.push(`${eor.afi}/${eor.safi}`);
      return;
    }
    const { mpReach, mpUnreach, ...attributes } = update.attributes;
    for (const p of update.withdrawn) this.routes.delete(p);
    for (const p of mpUnreach?.withdrawn ?? []) this.routes.delete(p);
    for (const p of update.nlri) this.routes.set(p, { nextHop: attributes.nextHop ?? '', attributes });
    for (const p of mpReach?.nlri ?? [])
      this.routes.set(p, { nextHop: mpReach!.nextHops[0] ?? '', attributes });
  }

  clear(): void {
    this.routes.clear();
    this.endOfRib.length = 0;
  }
}
