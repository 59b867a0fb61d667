/**
 * PostgreSQL SQLSTATEs the address plan turns into answers (PostgreSQL manual, Appendix A).
 * Which constraint fired is in the error's `constraint` field.
 */
export const SqlState = {
  /** Two overlapping prefixes: an exclusion constraint (…_cidr_excl) refused the second. */
  exclusionViolation: '23P01',
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
} as const;

export function sqlStateOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
