import { describe, expect, it } from 'vitest';
import { BearerTokens, requiredRole } from './bearer-tokens';

describe('BearerTokens', () => {
  const tokens = new BearerTokens(['operator-token-0123456789'], ['viewer-token-0123456789ab']);

  it('maps each token to its role', () => {
    expect(tokens.roleOf('Bearer operator-token-0123456789')).toBe('operator');
    expect(tokens.roleOf('bearer viewer-token-0123456789ab')).toBe('viewer');
  });

  it('refuses anything else', () => {
    for (const h of [
      undefined,
      '',
      'Bearer',
      'Bearer wrong',
      'Basic b3BlcmF0b3I=',
      'operator-token-0123456789',
    ]) {
      expect(tokens.roleOf(h)).toBeNull();
    }
  });

  it('gives operator when a token is configured under both roles', () => {
    expect(
      new BearerTokens(['same-token-0123456789'], ['same-token-0123456789']).roleOf(
        'Bearer same-token-0123456789',
      ),
    ).toBe('operator');
  });

  it('needs an operator for every method that can write', () => {
    expect(requiredRole('GET')).toBe('viewer');
    for (const m of ['POST', 'PUT', 'PATCH', 'DELETE']) expect(requiredRole(m)).toBe('operator');
  });
});
