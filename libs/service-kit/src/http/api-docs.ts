import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse } from '@nestjs/swagger';
import type { z } from 'zod';
import { openApiSchema } from './zod-input';

const errorSchema = {
  type: 'object',
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    message: { type: 'string', description: 'What is wrong and how to fix it' },
    issues: {
      type: 'array',
      items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } },
    },
  },
};

/** OpenAPI for one route: summary, body schema (from zod), and the error responses it can give. */
export function ApiRoute(opts: {
  summary: string;
  body?: z.ZodType;
  errors?: number[];
  description?: string;
}) {
  const decorators = [
    ApiOperation({ summary: opts.summary, ...(opts.description ? { description: opts.description } : {}) }),
    ApiBearerAuth(),
    ApiResponse({ status: 401, description: 'Missing or invalid bearer token', schema: errorSchema }),
    ...(opts.errors ?? []).map((status) =>
      ApiResponse({ status, schema: errorSchema, description: describe(status) }),
    ),
  ];
  if (opts.body) decorators.push(ApiBody({ schema: openApiSchema(opts.body) as never }));
  return applyDecorators(...decorators);
}

function describe(status: number): string {
  return (
    {
      400: 'Invalid input; the message and issues say which field and why',
      403: 'The token has the viewer role; writes need an operator token',
      404: 'No such object',
      409: 'Conflicts with the current state; the message says with what',
      413: 'Request body too large',
    }[status] ?? ''
  );
}
