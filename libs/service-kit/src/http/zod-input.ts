import { type PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { InvalidInputError } from './domain-errors';

/** Validates with a zod schema and reports every issue with its path (e.g. "upsert.nodes[2].addresses[0]"). */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  // reportInput: an issue then carries the value it is about, which tells a missing field from a
  // wrong one (the value itself never goes into the response).
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: formatPath(i.path), message: issueMessage(i) }));
  const first = issues[0]!;
  const summary = `${what} is invalid: ${first.path ? `${first.path}: ` : ''}${first.message}`;
  throw new InvalidInputError(
    issues.length > 1 ? `${summary} (and ${issues.length - 1} more)` : summary,
    issues,
  );
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'is required';
  return issue.message;
}

/** A Nest pipe for @Body/@Query/@Param: `@Body(new ZodPipe(Schema, 'request body'))`. */
export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(
    private readonly schema: S,
    private readonly what = 'request body',
  ) {}

  transform(value: unknown): z.infer<S> {
    return parseInput(this.schema, value, this.what);
  }
}

/** JSON Schema of a zod schema for the OpenAPI document. */
export function openApiSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
}
