import type { ConflictState } from '@isthmus/contracts';
import type { BlockConflict, ConflictParty } from '../core';

/**
 * A conflict as recorded in the database: one row per conflict from the moment it is detected
 * until it clears (issue 4: "recorded (both parties, since when), visible in the API"). Times are
 * ms since epoch, as in the core.
 */
export interface ConflictRecord {
  /** The row's id (a bigint, as decimal text). */
  id: string;
  kept: ConflictParty;
  excluded: ConflictParty;
  since: number;
  clearedAt: number | null;
}

/**
 * The overlap a conflict is about: its two blocks, whichever is kept. An open conflict's identity
 * (one open row per overlap, see ConflictLedger); the table's `overlap` column is the same pair.
 */
export function overlapKey(c: Pick<BlockConflict, 'kept' | 'excluded'>): string {
  const a = `${c.kept.cluster}/${c.kept.cidr}`;
  const b = `${c.excluded.cluster}/${c.excluded.cidr}`;
  return a < b ? `${a} ${b}` : `${b} ${a}`;
}

/**
 * What a record must hold to be the validator's conflict on its overlap: both blocks, their
 * roles and when each was first seen (a block deleted and announced again is a new block, so its
 * conflicts are new conflicts).
 */
export function partiesKey(c: Pick<BlockConflict, 'kept' | 'excluded'>): string {
  const party = (p: ConflictParty) => `${p.cluster}/${p.cidr}@${p.firstSeen}`;
  return `${party(c.kept)} > ${party(c.excluded)}`;
}

const iso = (ms: number) => new Date(ms).toISOString();

function partyView(p: ConflictParty) {
  return { cluster: p.cluster, cidr: p.cidr, firstSeen: iso(p.firstSeen) };
}

/** The event state of an open conflict (libs/contracts ConflictState). */
export function conflictState(r: ConflictRecord): ConflictState {
  return { id: r.id, kept: partyView(r.kept), excluded: partyView(r.excluded), since: iso(r.since) };
}

export interface ConflictView extends ConflictState {
  state: 'open' | 'cleared';
  clearedAt: string | null;
}

export function conflictView(r: ConflictRecord): ConflictView {
  return {
    ...conflictState(r),
    state: r.clearedAt === null ? 'open' : 'cleared',
    clearedAt: r.clearedAt === null ? null : iso(r.clearedAt),
  };
}
