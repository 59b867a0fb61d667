import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import type { Response } from 'express';
import { isDependencyUnavailable } from './dependency-errors';
import { DomainError } from './domain-errors';

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  issues?: { path: string; message: string }[];
}

const STATUS_OF_KIND = { invalid: 400, 'not-found': 404, conflict: 409 } as const;

export interface HttpExceptionFilterOptions {
  /** The service's name, as the messages of 500 and 503 responses say it ("the ipam database"). */
  service: string;
  /** Appended to the 503 message: what a client should know before it retries. */
  retryNote?: string;
}

/**
 * The one place where errors become HTTP statuses. Bad input is a 4xx that says what is wrong;
 * a database that cannot be reached is a 503 with Retry-After; a 500 means a bug of ours, is
 * logged with its stack, and never echoes internals to the client.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly log = new Logger('HttpExceptionFilter');

  constructor(private readonly options: HttpExceptionFilterOptions) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(exception);
    if (body.statusCode === 500) {
      this.log.error(`unhandled error: ${(exception as Error)?.stack ?? String(exception)}`);
    }
    if (body.statusCode === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="isthmus"');
    if (body.statusCode === 503) res.setHeader('Retry-After', '2');
    if (!res.headersSent) res.status(body.statusCode).json(body);
  }

  private toBody(e: unknown): ErrorBody {
    if (e instanceof DomainError) {
      const statusCode = STATUS_OF_KIND[e.kind];
      const body: ErrorBody = { statusCode, error: reason(statusCode), message: e.message };
      const issues = (e as { issues?: ErrorBody['issues'] }).issues;
      if (issues?.length) body.issues = issues;
      return body;
    }
    const parserError = bodyParserError(e);
    if (parserError) return parserError;
    if (e instanceof HttpException) {
      const statusCode = e.getStatus();
      const r = e.getResponse();
      const message =
        typeof r === 'string'
          ? r
          : Array.isArray((r as { message?: unknown }).message)
            ? (r as { message: string[] }).message.join('; ')
            : String((r as { message?: unknown }).message ?? e.message);
      return { statusCode, error: reason(statusCode), message };
    }
    if (isDependencyUnavailable(e)) {
      this.log.warn(`database unavailable: ${(e as Error)?.message ?? String(e)}`);
      return {
        statusCode: 503,
        error: reason(503),
        message: `the ${this.options.service} database is unavailable; retry shortly${
          this.options.retryNote ? ` (${this.options.retryNote})` : ''
        }`,
      };
    }
    return {
      statusCode: 500,
      error: 'Internal Server Error',
      message: `internal error; see the ${this.options.service} log`,
    };
  }
}

/**
 * body-parser errors (malformed JSON, too large, bad charset) carry their own 4xx status and a
 * `type`; Nest's Express adapter wraps them in an HttpException whose cause they are.
 */
function bodyParserError(e: unknown): ErrorBody | null {
  const error = (e instanceof HttpException ? e.cause : e) as {
    status?: unknown;
    type?: unknown;
    message?: unknown;
  };
  const status = error?.status;
  if (typeof status !== 'number' || status < 400 || status >= 500 || typeof error.type !== 'string')
    return null;
  const message =
    error.type === 'entity.parse.failed'
      ? `request body is not valid JSON: ${String(error.message)}`
      : error.type === 'entity.too.large'
        ? 'request body is too large; split the change into several requests'
        : String(error.message);
  return { statusCode: status, error: reason(status), message };
}

function reason(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}
