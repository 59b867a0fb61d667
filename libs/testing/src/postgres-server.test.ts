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
});
