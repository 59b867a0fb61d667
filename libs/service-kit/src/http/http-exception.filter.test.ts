import { describe, expect, it } from 'vitest';
import {
  BadRequestException,
  ForbiddenException,
  UnauthorizedException,
  type ArgumentsHost,
} from '@nestjs/common';
import { ConflictError, InvalidInputError, NotFoundError } from './domain-errors';
import { HttpExceptionFilter } from './http-exception.filter';

function answer(exception: unknown): { status: number; headers: Record<string, string>; body: any } {
  const sent = { status: 0, headers: {} as Record<string, string>, body: undefined as unknown };
  const res = {
    headersSent: false,
    setHeader: (name: string, value: string) => (sent.headers[name.toLowerCase()] = value),
    status(code: number) {
      sent.status = code;
      return this;
    },
    json: (body: unknown) => (sent.body = body),
  };
  const host = { switchToHttp: () => ({ getResponse: () => res }) } as unknown as ArgumentsHost;
  new HttpExceptionFilter({ service: 'ipam', retryNote: 'nothing was changed' }).catch(exception, host);
  return sent as { status: number; headers: Record<string, string>; body: any };
}

describe('HttpExceptionFilter', () => {
  it.each([
    [new InvalidInputError('cidr is invalid', [{ path: 'cidr', message: 'bad' }]), 400],
    [new NotFoundError('pool p does not exist'), 404],
    [new ConflictError('10.0.0.0/24 overlaps allocation 1'), 409],
  ])('maps a domain error to its status with its message: %s', (error, status) => {
    const res = answer(error);
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ statusCode: status, message: error.message });
  });

  it('keeps the issues of invalid input', () => {
    expect(answer(new InvalidInputError('x', [{ path: 'a.b', message: 'is required' }])).body.issues).toEqual(
      [{ path: 'a.b', message: 'is required' }],
    );
  });

  it('says how to authenticate on a 401 and passes other HTTP exceptions through', () => {
    const unauthorized = answer(new UnauthorizedException('missing bearer token'));
    expect(unauthorized).toMatchObject({ status: 401, body: { message: 'missing bearer token' } });
    expect(unauthorized.headers['www-authenticate']).toMatch(/^Bearer /);
    expect(answer(new ForbiddenException('viewer role')).body).toMatchObject({
      statusCode: 403,
      message: 'viewer role',
    });
  });

  it('explains body-parser errors that Nest wrapped in an HttpException', () => {
    const parse = Object.assign(new SyntaxError('Unexpected end of JSON input'), {
      status: 400,
      type: 'entity.parse.failed',
    });
    expect(answer(new BadRequestException(parse.message, { cause: parse })).body.message).toBe(
      'request body is not valid JSON: Unexpected end of JSON input',
    );
    const tooLarge = Object.assign(new Error('request entity too large'), {
      status: 413,
      type: 'entity.too.large',
    });
    expect(answer(tooLarge)).toMatchObject({
      status: 413,
      body: { message: 'request body is too large; split the change into several requests' },
    });
  });

  it('answers 503 with Retry-After, naming the service, when the database cannot be reached', () => {
    const res = answer(
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    );
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('2');
    expect(res.body.message).toBe('the ipam database is unavailable; retry shortly (nothing was changed)');
  });

  it('answers 500 for a bug without echoing its details', () => {
    const res = answer(new TypeError('secret internals'));
    expect(res.status).toBe(500);
    expect(JSON.stringify(res.body)).not.toContain('secret');
    expect(res.body.message).toBe('internal error; see the ipam log');
  });
});
