import { z } from 'zod';
import { ConfigError } from './config-error';

/**
 * A group of environment variables that belong together (the database, HTTP, auth...) and the
 * typed settings they make. A service's configuration is composed of shared parts and a part of
 * its own (readEnv), and validated in one pass: every bad variable is named in one error, so a
 * deployment is fixed in one round trip (STYLE.md, immich).
 */
export interface EnvPart<S extends z.ZodRawShape, T> {
  shape: S;
  read(env: z.output<z.ZodObject<S>>): T;
  /** Problems that involve several variables of the part, once each variable is valid on its own. */
  check?(settings: T): EnvProblem[];
}

export interface EnvProblem {
  variable: string;
  message: string;
}

export function envPart<S extends z.ZodRawShape, T>(
  shape: S,
  read: (env: z.output<z.ZodObject<S>>) => T,
  check?: (settings: T) => EnvProblem[],
): EnvPart<S, T> {
  return check ? { shape, read, check } : { shape, read };
}

type AnyEnvPart = EnvPart<z.ZodRawShape, unknown>;
export type SettingsOf<P extends Record<string, AnyEnvPart>> = {
  [K in keyof P]: P[K] extends EnvPart<infer _S, infer T> ? T : never;
};

/**
 * Validates `env` against every part at once and returns each part's settings under its key.
 * An empty variable means "not set" (docker-compose writes VAR= for unset interpolations).
 */
export function readEnv<P extends Record<string, AnyEnvPart>>(
  parts: P,
  env: Record<string, string | undefined> = process.env,
): SettingsOf<P> {
  const shape = Object.assign({}, ...Object.values(parts).map((p) => p.shape)) as z.ZodRawShape;
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = z.object(shape).safeParse(present);
  if (!parsed.success) {
    throw configError(parsed.error.issues.map((i) => ({ variable: i.path.join('.'), message: i.message })));
  }
  const settings: Record<string, unknown> = {};
  const problems: EnvProblem[] = [];
  for (const [key, part] of Object.entries(parts)) {
    settings[key] = part.read(parsed.data as never);
    problems.push(...(part.check?.(settings[key]) ?? []));
  }
  if (problems.length) throw configError(problems);
  return settings as SettingsOf<P>;
}

function configError(problems: EnvProblem[]): ConfigError {
  const lines = problems.map((p) => `  ${p.variable}: ${p.message}`);
  return new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
}
