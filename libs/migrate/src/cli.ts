#!/usr/bin/env node
/* eslint-disable no-console */
import path from 'node:path';
import { databaseOutcomeLine, pgConfigFromUrl } from './engine';
import { applyMigrations, createMigration } from './migrations';

/**
 * isthmus-migrate deploy | create <name>
 * Run in a service folder (prisma/schema.prisma, prisma/migrations), with DATABASE_URL set.
 * `create` needs a scratch database (DATABASE_URL) and creates/drops a shadow database beside it.
 */
async function main() {
  const [command, name] = process.argv.slice(2);
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('DATABASE_URL is not set');
  const opts = {
    databaseUrl,
    schemaPath: path.resolve(process.env.SCHEMA ?? 'prisma/schema.prisma'),
    migrationsDir: path.resolve(process.env.MIGRATIONS ?? 'prisma/migrations'),
    log: process.env.DEBUG ? (l: string) => console.error(l) : undefined,
  };
  if (command === 'deploy') {
    const { database, applied } = await applyMigrations(opts);
    const line = databaseOutcomeLine(pgConfigFromUrl(databaseUrl).database, database);
    if (line) console.log(line);
    console.log(`applied ${applied.length} migration(s)${applied.length ? `: ${applied.join(', ')}` : ''}`);
  } else if (command === 'create' && name) {
    const dir = await createMigration(opts, name);
    console.log(dir ? `created ${path.relative(process.cwd(), dir)}` : 'no schema changes');
  } else {
    throw new Error('usage: isthmus-migrate deploy | create <name>');
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
