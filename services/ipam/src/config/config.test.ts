import { describe, expect, it } from 'vitest';
import { ConfigError } from '@isthmus/service-kit';
import { IpamConfig } from './config';

describe('IpamConfig.fromEnv', () => {
  it('has defaults that run beside the registry on one machine', () => {
    const c = IpamConfig.fromEnv({ ISTHMUS_AUTH_DISABLED: 'true' });
    expect(c).toMatchObject({
      httpHost: '0.0.0.0',
      httpPort: 8081,
      databaseUrl: 'postgresql://postgres@127.0.0.1:5432/isthmus_ipam',
      migrateOnStart: true,
      allocationRetries: 10,
      authDisabled: true,
    });
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      IpamConfig.fromEnv({
        HTTP_PORT: '70000',
        DATABASE_URL: 'mysql://x',
        ISTHMUS_OPERATOR_TOKENS: 'short',
        ALLOCATION_RETRIES: '0',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    for (const v of ['HTTP_PORT', 'DATABASE_URL', 'ISTHMUS_OPERATOR_TOKENS', 'ALLOCATION_RETRIES']) {
      expect((error as Error).message).toContain(`  ${v}: `);
    }
  });

  it('refuses to start without an operator token unless auth is disabled on purpose', () => {
    expect(() => IpamConfig.fromEnv({})).toThrow(/ISTHMUS_OPERATOR_TOKENS.*ISTHMUS_AUTH_DISABLED=true/);
    expect(IpamConfig.fromEnv({ ISTHMUS_OPERATOR_TOKENS: 'o'.repeat(24) }).operatorTokens).toEqual([
      'o'.repeat(24),
    ]);
  });
});
