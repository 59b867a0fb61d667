import { z } from 'zod';

/** Value schemas for environment variables (always strings), with messages that say what to write. */
export const envBoolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => ['true', '1', 'yes'].includes(v));

export const envInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** A comma-separated list of bearer tokens; blanks around commas are ignored. */
export const envTokenList = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  )
  .refine((tokens) => tokens.every((t) => t.length >= 16), {
    message: 'every token must be at least 16 characters (generate one with: openssl rand -hex 24)',
  });
