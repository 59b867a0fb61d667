import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, applyMigrationsBefore } from '@isthmus/migrate';
import { createTestDatabase, type TestDatabase } from '@isthmus/testing';

const PRISMA = path.resolve(__dirname, '../../prisma');
const MIGRATION = '20261207090525_static_next_hops';

/**
 * The migration that adds pod_block.next_hop_explicit also decides it for the static blocks
 * written before: a next hop that is not an address of the block's node was given explicitly.
 */
describe(`migration ${MIGRATION}`, () => {
  let db: TestDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase('registry_migration');
    await applyMigrationsBefore({
      databaseUrl: db.url,
      schemaPath: path.join(PRISMA, 'schema.prisma'),
      migrationsDir: path.join(PRISMA, 'migrations'),
      before: MIGRATION,
    });
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it('marks as explicit the static blocks whose next hop is not an address of their node', async () => {
    const node = {
      cluster: 'lab',
      name: 'w1',
      addresses: ['192.0.2.11', 'fd00::11'],
      ready: true,
      labels: {},
    };
    await client.query(
      `INSERT INTO node (cluster, name, subject, state, revision) VALUES ('lab', 'w1', 's', $1, 1)`,
      [JSON.stringify(node)],
    );
    const blocks: [string, string, string, string][] = [
      ['10.0.0.0/24', 'w1', '192.0.2.11', 'static'], // the node's address: follows it
      ['fd00:1::/64', 'w1', '192.0.2.11', 'static'], // issue 10's wrong family: follows, fixed at the next node write
      ['10.1.0.0/24', 'w1', '198.51.100.1', 'static'], // given explicitly
      ['10.2.0.0/24', 'nobody', '192.0.2.11', 'static'], // no such node: given explicitly
      ['10.3.0.0/24', 'w1', '198.51.100.3', 'calico-blockaffinity'], // a watcher's: derived by the watcher
    ];
    for (const [cidr, nodeName, nextHop, source] of blocks) {
      await client.query(
        `INSERT INTO pod_block (cluster, cidr, node, subject, state, revision) VALUES ('lab', $1, $2, 's', $3, 1)`,
        [cidr, nodeName, JSON.stringify({ cluster: 'lab', cidr, node: nodeName, nextHop, source })],
      );
    }

    const { applied } = await applyMigrations({
      databaseUrl: db.url,
      schemaPath: path.join(PRISMA, 'schema.prisma'),
      migrationsDir: path.join(PRISMA, 'migrations'),
    });
    expect(applied).toContain(MIGRATION);
    const { rows } = await client.query('SELECT cidr, next_hop_explicit FROM pod_block ORDER BY cidr');
    expect(Object.fromEntries(rows.map((r) => [r.cidr, r.next_hop_explicit]))).toEqual({
      '10.0.0.0/24': false,
      '10.1.0.0/24': true,
      '10.2.0.0/24': true,
      '10.3.0.0/24': false,
      'fd00:1::/64': false,
    });
  });
});
