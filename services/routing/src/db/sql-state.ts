/**
 * PostgreSQL SQLSTATEs the routing tables turn into answers (PostgreSQL manual, Appendix A).
 * Which constraint fired is in the error's `constraint` field.
 */
export const SqlState = {
  uniqueViolation: '23505',
} as const;

export function sqlStateOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function constraintOf(error: unknown): string | undefined {
  const constraint = (error as { constraint?: unknown } | null)?.constraint;
  return typeof constraint === 'string' ? constraint : undefined;
}
