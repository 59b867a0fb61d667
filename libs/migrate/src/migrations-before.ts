import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { applyMigrations, type MigrationOptions, type MigrationResult } from './migrations';

/**
 * Applies the migrations that sort before `before` (a migration folder's name), and not it nor
 * any later one: a database as an older release left it, for a test of the upgrade that
 * `before` makes. The migrations are copied to a temporary folder, removed afterwards.
 */
export async function applyMigrationsBefore(
  opts: MigrationOptions & { before: string },
): Promise<MigrationResult> {
  const folder = await mkdtemp(path.join(tmpdir(), 'isthmus-migrations-before-'));
  try {
    const schemaPath = path.join(folder, 'schema.prisma');
    const migrationsDir = path.join(folder, 'migrations');
    await cp(opts.schemaPath, schemaPath);
    for (const name of await readdir(opts.migrationsDir)) {
      if (name < opts.before)
        await cp(path.join(opts.migrationsDir, name), path.join(migrationsDir, name), { recursive: true });
    }
    return await applyMigrations({ ...opts, schemaPath, migrationsDir });
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
