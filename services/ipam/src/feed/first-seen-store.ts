import { Injectable } from '@nestjs/common';
import { PgService } from '@isthmus/service-kit';

/** A block announcement as the first-seen table needs it. */
export interface BlockSighting {
  cluster: string;
  cidr: string;
  /** The registry event's time (ms since epoch) and revision. */
  at: number;
  revision: number;
}

export interface FirstSeen {
  firstSeen: number;
  firstRevision: number;
}

export interface BlockGone {
  cluster: string;
  cidr: string;
  /** The tombstone's revision. */
  revision: number;
}

/**
 * When each live pod block was first seen, kept in the database so that the earlier block keeps
 * winning an overlap across restarts, and so that every replica judges alike (issue 4: "the
 * earlier owner wins").
 *
 * The values come from the registry event that first announced the block (its `at` and
 * `revision`), not from the clock of whichever replica writes first: two replicas that race
 * insert the same row, and a row removed by a replica lagging behind is recreated identically.
 * first_revision also orders a tombstone against a later life of the same block: a tombstone
 * only removes a row first seen before it.
 */
@Injectable()
export class FirstSeenStore {
  constructor(private readonly pg: PgService) {}

  /**
   * Inserts the sightings of blocks that have no row and returns the stored values for every
   * sighting, in the order given. Keys must be distinct within one call.
   */
  async record(sightings: readonly BlockSighting[]): Promise<FirstSeen[]> {
    if (sightings.length === 0) return [];
    const out = new Array<FirstSeen | undefined>(sightings.length);
    let missing = sightings.map((_, i) => i);
    // The statement reads the rows that existed before it and returns the ones it inserted; a row
    // another replica committed in between is neither, so it is read again (rarely more than once).
    for (let attempt = 1; missing.length > 0; attempt++) {
      const batch = missing.map((i) => sightings[i]!);
      const rows = await this.pg.query<{ i: bigint; first_seen: Date; first_revision: bigint }>(
        attempt === 1 ? RECORD : READ,
        attempt === 1
          ? [
              batch.map((s) => s.cluster),
              batch.map((s) => s.cidr),
              batch.map((s) => new Date(s.at)),
              batch.map((s) => s.revision),
            ]
          : [batch.map((s) => s.cluster), batch.map((s) => s.cidr)],
      );
      for (const row of rows) {
        out[missing[Number(row.i) - 1]!] = {
          firstSeen: row.first_seen.getTime(),
          firstRevision: Number(row.first_revision),
        };
      }
      missing = missing.filter((i) => out[i] === undefined);
      if (missing.length > 0 && attempt >= 3) {
        // Removed as fast as it was written (a tombstone racing the announcement): the sighting
        // itself is the best value, and the next announcement records it.
        for (const i of missing)
          out[i] = { firstSeen: sightings[i]!.at, firstRevision: sightings[i]!.revision };
        missing = [];
      }
    }
    return out as FirstSeen[];
  }

  /** Removes the rows of blocks that are gone, unless the row belongs to a later life of the block. */
  async forget(gone: readonly BlockGone[]): Promise<void> {
    if (gone.length === 0) return;
    await this.pg.execute(
      `DELETE FROM block_first_seen b
        USING unnest($1::text[], $2::cidr[], $3::bigint[]) AS t(cluster, cidr, revision)
        WHERE b.cluster = t.cluster AND b.cidr = t.cidr AND b.first_revision < t.revision`,
      [gone.map((g) => g.cluster), gone.map((g) => g.cidr), gone.map((g) => g.revision)],
    );
  }
}

const RECORD = `
  WITH input AS (
    SELECT * FROM unnest($1::text[], $2::cidr[], $3::timestamptz[], $4::bigint[])
      WITH ORDINALITY AS t(cluster, cidr, first_seen, first_revision, i)
  ), inserted AS (
    INSERT INTO block_first_seen (cluster, cidr, first_seen, first_revision)
    SELECT cluster, cidr, first_seen, first_revision FROM input
    ON CONFLICT (cluster, cidr) DO NOTHING
    RETURNING cluster, cidr, first_seen, first_revision
  )
  SELECT input.i, inserted.first_seen, inserted.first_revision
    FROM inserted JOIN input USING (cluster, cidr)
  UNION ALL
  SELECT input.i, b.first_seen, b.first_revision
    FROM block_first_seen b JOIN input USING (cluster, cidr)`;

const READ = `
  SELECT input.i, b.first_seen, b.first_revision
    FROM unnest($1::text[], $2::cidr[]) WITH ORDINALITY AS input(cluster, cidr, i)
    JOIN block_first_seen b USING (cluster, cidr)`;
