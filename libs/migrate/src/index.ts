export { applyMigrations, createMigration, type MigrationOptions, type MigrationResult } from './migrations';
export { applyMigrationsBefore } from './migrations-before';
export {
  pgConfigFromUrl,
  ensureDatabase,
  databaseOutcomeLine,
  type AdminQuery,
  type DatabaseOutcome,
} from './engine';
