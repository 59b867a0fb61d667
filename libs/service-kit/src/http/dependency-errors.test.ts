import { describe, expect, it } from 'vitest';
import { isDependencyUnavailable } from './dependency-errors';

describe('isDependencyUnavailable', () => {
  it.each([
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    ],
    [
      'a server shutting down',
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
    ],
    ['a connection cut by the server', new Error('Connection terminated unexpectedly')],
    ['a Prisma error that cannot reach the server', Object.assign(new Error('x'), { code: 'P1001' })],
    [
      'a cause two levels down',
      new Error('query failed', { cause: new Error('wrapped', { cause: { code: '08006' } }) }),
    ],
  ])('recognises %s', (_what, error) => {
    expect(isDependencyUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', Object.assign(new Error('duplicate key'), { code: '23505' })],
    ['a plain bug', new TypeError('x is undefined')],
    ['nothing', undefined],
    ['a string', 'ECONNREFUSED'],
  ])('does not mistake %s for an outage', (_what, error) => {
    expect(isDependencyUnavailable(error)).toBe(false);
  });

  it('survives a cause cycle', () => {
    const a: { message: string; cause?: unknown } = { message: 'a' };
    a.cause = a;
    expect(isDependencyUnavailable(a)).toBe(false);
  });
});
