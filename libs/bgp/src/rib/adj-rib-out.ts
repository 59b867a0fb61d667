// Adj-RIB-Out of one peer (RFC 4271 §3.2, §9.1.3): what we have advertised to it, and the UPDATEs
// that bring it to the desired table. Level-based: changes accumulate as "these prefixes may have
// changed" and are turned into UPDATEs when the session is ready to write (so a slow peer gets
// the latest state, not every intermediate one).
import type { Afi, CodecContext, Prefix } from '../codec/types';
import type { AttributeSet } from './attribute-set';
import { diffRoutes, diffSize, type RouteDiff } from './diff';
import type { PeerRouting } from './path-attributes';
import { planUpdates } from './plan';
import type { RouteTable, TableChange } from './route-table';

export interface UpdateBatch {
  /** Encoded as they are read (see planUpdates); read them once. */
  messages: Iterable<Uint8Array>;
  announced: number;
  withdrawn: number;
  /** Whether there is anything to send at all. */
  empty: boolean;
}

interface Session {
  families: ReadonlySet<Afi>;
  ctx: CodecContext;
}

export class AdjRibOut {
  private readonly advertised = new Map<Prefix, AttributeSet>();
  private readonly counts: Record<Afi, number> = { 1: 0, 2: 0 };
  private pending: Set<Prefix> | 'all' = 'all';
  private readonly resend = new Set<Afi>();
  private session: Session | undefined;
  private unsubscribe: () => void;

  constructor(
    private table: RouteTable,
    private readonly peer: PeerRouting,
  ) {
    this.unsubscribe = table.subscribe((change) => this.note(change));
  }

  /** Follow another table (e.g. per-peer routes instead of the shared ones). */
  setTable(table: RouteTable): void {
    if (table === this.table) return;
    this.unsubscribe();
    this.table = table;
    this.unsubscribe = table.subscribe((change) => this.note(change));
    this.pending = 'all';
  }

  /** Established: the peer has nothing from us yet, the whole table is due (RFC 4271 §9.1.3). */
  sessionUp(families: Iterable<Afi>, ctx: CodecContext): void {
    this.clearAdvertised();
    this.session = { families: new Set(families), ctx };
    this.pending = 'all';
    this.resend.clear();
  }

  /** The session is gone and with it everything the peer had from us. */
  sessionDown(): void {
    this.clearAdvertised();
    this.session = undefined;
    this.pending = 'all';
    this.resend.clear();
  }

  /** ROUTE-REFRESH (RFC 2918 §4): send every route of the family again. */
  refresh(afi: Afi): void {
    if (this.session?.families.has(afi)) this.resend.add(afi);
  }

  /** Whether takeUpdates would have anything to do. */
  get hasPending(): boolean {
    if (!this.session) return false;
    return this.pending === 'all' || this.pending.size > 0 || this.resend.size > 0;
  }

  /**
   * The UPDATEs that bring the peer to the desired table; the peer is assumed to have them from
   * now on (the caller writes them, or the session fails and sessionDown() forgets everything).
   */
  takeUpdates(): UpdateBatch {
    if (!this.session) return { messages: [], announced: 0, withdrawn: 0, empty: true };
    const diff = diffRoutes(this.advertised, this.table.view(), {
      ...(this.pending === 'all' ? {} : { candidates: this.pending }),
      families: this.session.families,
      resend: this.resend,
    });
    const messages = planUpdates(diff, this.peer, this.session.ctx);
    this.apply(diff);
    this.pending = new Set();
    this.resend.clear();
    const size = diffSize(diff);
    return { messages, ...size, empty: size.announced + size.withdrawn === 0 };
  }

  /** Prefixes the peer has from us, per family. */
  advertisedCounts(): Record<Afi, number> {
    return { ...this.counts };
  }

  /** Whether the peer has `prefix` from us, and with which attributes. */
  advertisedRoute(prefix: Prefix): AttributeSet | undefined {
    return this.advertised.get(prefix);
  }

  close(): void {
    this.unsubscribe();
    this.sessionDown();
  }

  private note(change: TableChange): void {
    if (this.pending === 'all') return;
    // Past a quarter of the table, one pass over all of it is cheaper than tracking each prefix.
    if (this.pending.size + change.length > this.table.size / 4) {
      this.pending = 'all';
      return;
    }
    for (const prefix of change) this.pending.add(prefix);
  }

  /** What the peer has once the diff is sent, with the per-family counts kept in step. */
  private apply(diff: RouteDiff): void {
    for (const afi of [1, 2] as const) {
      for (const prefix of diff.withdraw[afi]) this.advertised.delete(prefix);
      this.counts[afi] -= diff.withdraw[afi].length;
    }
    for (const [set, prefixes] of diff.announce) {
      const before = this.advertised.size;
      for (const prefix of prefixes) this.advertised.set(prefix, set);
      this.counts[set.afi] += this.advertised.size - before;
    }
  }

  private clearAdvertised(): void {
    this.advertised.clear();
    this.counts[1] = 0;
    this.counts[2] = 0;
  }
}
