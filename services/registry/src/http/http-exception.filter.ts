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

/**
 * The one place where errors become HTTP statuses. Bad input is a 4xx that says what is wrong;
 * a 500 means a bug of ours, is logged with its stack, and never echoes internals to the client.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly log = new Logger('HttpExceptionFilter');

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
    // body-parser errors (malformed JSON, too large, bad charset) carry their own 4xx status.
    const status = (e as { status?: number; type?: string })?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const type = (e as { type?: string }).type;
      const message =
        type === 'entity.parse.failed'
          ? `request body is not valid JSON: ${(e as Error).message}`
          : type === 'entity.too.large'
            ? 'request body is too large; split the change into several requests'
            : (e as Error).message;
      return { statusCode: status, error: reason(status), message };
    }
    if (isDependencyUnavailable(e)) {
      this.log.warn(`database unavailable: ${(e as Error)?.message ?? String(e)}`);
      return {
        statusCode: 503,
        error: reason(503),
        message:
          'the registry database is unavailable; retry shortly (writes are whole states: a retried write is applied once)',
      };
    }
    return {
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'internal error; see the registry log',
    };
  }
}

function reason(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}
