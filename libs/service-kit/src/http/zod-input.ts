import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
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

  transform(value: unknown, metadata?: ArgumentMetadata): z.infer<S> {
    // No body at all (none sent, an empty one, or one that is not JSON: see useJsonBody) is
    // refused the same way on every route, even where `{}` would be valid.
    if (value === undefined && metadata?.type === 'body') {
      throw new InvalidInputError(`${this.what} is required: ${bodyShape(this.schema)}`, [
        { path: '', message: 'is required' },
      ]);
    }
    return parseInput(this.schema, value, this.what);
  }
}

/**
 * What a body looks like, for the message that says it is missing: its fields from the schema's
 * JSON Schema, `?` after the optional ones (over the options of a union, a field is required when
 * every option requires it).
 */
function bodyShape(schema: z.ZodType): string {
  const json = openApiSchema(schema) as JsonObjectSchema;
  const options = json.oneOf ?? json.anyOf ?? [json];
  const fields = [...new Set(options.flatMap((o) => Object.keys(o.properties ?? {})))];
  const required = (f: string) => options.every((o) => o.required?.includes(f));
  const list = fields.map((f) => `"${f}"${required(f) ? '' : '?'}`).join(', ');
  return (
    `send a JSON object${fields.length ? ` {${list}}` : ''} with content-type: application/json ` +
    '(? marks optional fields; /openapi.json describes them)'
  );
}

interface JsonObjectSchema {
  properties?: Record<string, unknown>;
  required?: string[];
  oneOf?: JsonObjectSchema[];
  anyOf?: JsonObjectSchema[];
}

/** JSON Schema of a zod schema for the OpenAPI document. */
export function openApiSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
}
