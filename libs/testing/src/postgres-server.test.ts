import { Client } from 'pg';
import { describe, expect, it } from 'vitest';
import { startPostgresServer } from './postgres-server';

describe('startPostgresServer', () => {
  it('keeps its data and port across stop/start and kill/start', async () => {
    const pg = await startPostgresServer();
    try {
      const query = async (sql: string) => {
        const c = new Client({ connectionString: pg.url });
        await c.connect();
        try {
          return (await c.query(sql)).rows;
        } finally {
          await c.end();
        }
      };
      await query('CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)');
      await pg.stop();
      await expect(query('SELECT 1')).rejects.toThrow();
      await pg.start();
      expect(await query('SELECT v FROM kept')).toEqual([{ v: 42 }]);
      await pg.kill();
      await pg.start(); // crash recovery
      expect(await query('SELECT v FROM kept')).toEqual([{ v: 42 }]);
    } finally {
      await pg.destroy();
    }
  });

  it('starts again at once after a kill while a backend is busy (it would hold the shared memory)', async () => {
    const pg = await startPostgresServer();
    const busy = new Client({ connectionString: pg.url });
    try {
      await busy.connect();
      busy.on('error', () => undefined);
      // CPU-bound: a backend that is not waiting on a latch does not notice the postmaster's
      // death until its query ends, and keeps the shared memory attached meanwhile.
      const running = busy.query('SELECT count(*) FROM generate_series(1, 3e9)').catch(() => undefined);
      await new Promise((r) => setTimeout(r, 300));
      await pg.kill();
      await pg.start();
      const c = new Client({ connectionString: pg.url });
      await c.connect();
      expect((await c.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await c.end();
      await running;
    } finally {
      await busy.end().catch(() => undefined);
      await pg.destroy();
    }
  });
});
