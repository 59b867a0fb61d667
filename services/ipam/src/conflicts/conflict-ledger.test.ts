import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ipamSubjects } from '@isthmus/contracts';
import { applyMigrations } from '@isthmus/migrate';
import { PgService } from '@isthmus/service-kit';
import { createTestDatabase, type TestDatabase } from '@isthmus/testing';
import type { BlockConflict, ConflictParty } from '../core';
import type { OutgoingEvent } from '../validation/pending-events';
import { ConflictLedger } from './conflict-ledger';
import { ConflictStore } from './conflict-store';

/**
 * The identity of a conflict (issue 10, 6), against a real PostgreSQL: the same overlap keeps
 * its id across a restart of the publisher and between two publishers, and a conflict that
 * clears and comes back is a new one. Each ledger below is a publisher's (a restart or a
 * takeover is a new ledger on the same table).
 */
describe('ConflictLedger: one id per open overlap', () => {
  let db: TestDatabase;
  let pg: PgService;
  let store: ConflictStore;
  const subjects = ipamSubjects('t');
  const SERVICE_ROOT = path.resolve(__dirname, '../..');
  const ms = (s: number) => Date.UTC(2026, 10, 21, 10, 0, s);
  const k8s: ConflictParty = { cluster: 'k8s', cidr: '192.168.55.128/26', firstSeen: ms(1) };
  const dcos: ConflictParty = { cluster: 'dcos', cidr: '192.168.55.0/24', firstSeen: ms(2) };
  const conflict = (kept: ConflictParty, excluded: ConflictParty, since = ms(3)): BlockConflict => ({
    id: `${kept.cluster}/${kept.cidr} > ${excluded.cluster}/${excluded.cidr}`,
    kept,
    excluded,
    since,
  });
  const ledger = () => new ConflictLedger(store, subjects);
  /** The ids events name, live ones and tombstones apart. */
  const ids = (events: OutgoingEvent[]) => ({
    live: events.flatMap((e) => (e.kind === 'conflict' && e.record ? [e.id] : [])),
    gone: events.flatMap((e) => (e.kind === 'conflict' && !e.record ? [e.id] : [])),
  });
  const rows = async () =>
    (
      await pg.query<{ id: bigint; cleared: boolean }>(
        'SELECT id, cleared_at IS NOT NULL AS cleared FROM conflict ORDER BY id',
      )
    ).map((r) => ({ id: r.id.toString(), cleared: r.cleared }));

  beforeAll(async () => {
    db = await createTestDatabase('ipam_ledger');
    await applyMigrations({
      databaseUrl: db.url,
      schemaPath: path.join(SERVICE_ROOT, 'prisma/schema.prisma'),
      migrationsDir: path.join(SERVICE_ROOT, 'prisma/migrations'),
    });
    pg = new PgService({ databaseUrl: db.url, databasePoolSize: 4, migrateOnStart: false });
    store = new ConflictStore(pg);
  });
  beforeEach(async () => {
    await pg.execute('TRUNCATE conflict RESTART IDENTITY');
  });
  afterAll(async () => {
    await pg?.onModuleDestroy();
    await db?.drop();
  });

  it('a restarted publisher keeps the open conflict and its id, and records nothing new', async () => {
    const c = conflict(k8s, dcos);
    const first = ids(await ledger().changed([c], [], ms(3), pg));
    expect(first).toEqual({ live: ['1'], gone: [] });

    const again = ledger();
    expect(ids(await again.reconcile([c], ms(9), pg))).toEqual({ live: ['1'], gone: [] });
    expect([...again.openIds()]).toEqual(['1']);
    expect(await rows()).toEqual([{ id: '1', cleared: false }]);
    // A change after the restart that reports it opened again (a replay) finds the same row.
    expect(ids(await again.changed([c], [], ms(10), pg))).toEqual({ live: ['1'], gone: [] });
    expect(await rows()).toEqual([{ id: '1', cleared: false }]);
  });

  it('two publishers that record the same overlap at once get one id', async () => {
    const c = conflict(k8s, dcos);
    const [a, b] = await Promise.all([
      ledger().changed([c], [], ms(3), pg),
      ledger().reconcile([c], ms(4), pg),
    ]);
    expect(ids(a).live).toEqual(ids(b).live);
    expect(await rows()).toEqual([{ id: ids(a).live[0], cleared: false }]);
  });

  it('a conflict that clears and comes back is a new conflict: cleared before its tombstone, then a new id', async () => {
    const publisher = ledger();
    const c = conflict(k8s, dcos);
    await publisher.changed([c], [], ms(3), pg);
    const closed = ids(await publisher.changed([], [c], ms(4), pg));
    expect(closed).toEqual({ live: [], gone: ['1'] });
    // The row is cleared by the time its tombstone is handed out for publishing.
    expect(await rows()).toEqual([{ id: '1', cleared: true }]);

    const reopened = ids(await publisher.changed([conflict(k8s, dcos, ms(5))], [], ms(5), pg));
    expect(reopened).toEqual({ live: ['2'], gone: [] });
    // A restart after it keeps the new id; the old one stays cleared.
    expect(ids(await ledger().reconcile([conflict(k8s, dcos, ms(5))], ms(9), pg))).toEqual({
      live: ['2'],
      gone: [],
    });
    expect(await rows()).toEqual([
      { id: '1', cleared: true },
      { id: '2', cleared: false },
    ]);
  });

  it('roles that turn in one batch close the conflict and open a new one on the same overlap', async () => {
    const publisher = ledger();
    await publisher.changed([conflict(k8s, dcos)], [], ms(3), pg);
    const turned = ids(
      await publisher.changed([conflict(dcos, k8s, ms(4))], [conflict(k8s, dcos)], ms(4), pg),
    );
    expect(turned).toEqual({ live: ['2'], gone: ['1'] });
    expect(await rows()).toEqual([
      { id: '1', cleared: true },
      { id: '2', cleared: false },
    ]);
  });

  it('a row a dead publisher left open for an earlier life of a block is cleared at takeover, and the new life gets a new id', async () => {
    await ledger().changed([conflict(k8s, dcos)], [], ms(3), pg);
    // Meanwhile the DC/OS block was deleted and announced again; the publisher died before it
    // recorded the clear.
    const reborn = { ...dcos, firstSeen: ms(7) };
    const takeover = ids(await ledger().reconcile([conflict(k8s, reborn, ms(8))], ms(8), pg));
    expect(takeover).toEqual({ live: ['2'], gone: ['1'] });
    expect(await rows()).toEqual([
      { id: '1', cleared: true },
      { id: '2', cleared: false },
    ]);
  });

  it('an overlap held open by a conflict this publisher does not know is cleared before the new one is recorded', async () => {
    await ledger().changed([conflict(k8s, dcos)], [], ms(3), pg);
    // A publisher that took over before that row was written, and sees the roles the other way.
    const other = ids(await ledger().changed([conflict(dcos, k8s, ms(5))], [], ms(5), pg));
    expect(other.gone).toEqual(['1']);
    expect(other.live).toHaveLength(1);
    // Ids come from a sequence: the insert that met the open row used one up.
    expect(await rows()).toEqual([
      { id: '1', cleared: true },
      { id: other.live[0], cleared: false },
    ]);
  });

  it('a takeover clears what is no longer open and republishes the rest', async () => {
    const other: ConflictParty = { cluster: 'swarm', cidr: '192.168.55.192/26', firstSeen: ms(4) };
    await ledger().changed([conflict(k8s, dcos), conflict(k8s, other)], [], ms(3), pg);
    const takeover = ids(await ledger().reconcile([conflict(k8s, other)], ms(9), pg));
    expect(takeover).toEqual({ live: ['2'], gone: ['1'] });
    expect(await rows()).toEqual([
      { id: '1', cleared: true },
      { id: '2', cleared: false },
    ]);
  });
});
