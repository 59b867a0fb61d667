import { randomBytes } from 'node:crypto';

/**
 * A unique name (letters, digits, '_') for streams, consumers, subject prefixes:
 * `${prefix}_${random}`. Characters of `prefix` outside that set become '_', so the result is
 * valid as a JetStream stream/consumer name, a subject token and an SQL identifier.
 */
export function uniqueName(prefix: string): string {
  // 48 random bits: collisions between the few thousand names of one run are out of reach.
  return `${sanitize(prefix)}_${randomBytes(6).toString('hex')}`;
}

export function sanitize(prefix: string): string {
  const cleaned = prefix.replace(/[^A-Za-z0-9_]/g, '_');
  return cleaned.length > 0 ? cleaned : 'test';
}
