export { applyMigrations, createMigration, type MigrationOptions } from './migrations';
export { pgConfigFromUrl, ensureDatabase } from './engine';
