import { describe, expect, it } from 'vitest';
import { RegistryConfig } from './config';

describe('RegistryConfig.fromEnv', () => {
  it('has defaults for local development when auth is explicitly off', () => {
    const c = RegistryConfig.fromEnv({ ISTHMUS_AUTH_DISABLED: 'true' });
    expect(c).toMatchObject({ httpPort: 8080, natsUrl: 'nats://127.0.0.1:4222', authDisabled: true });
  });

  it('names every bad variable in one error', () => {
    expect(() =>
      RegistryConfig.fromEnv({
        HTTP_PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        ISTHMUS_OPERATOR_TOKENS: 'short',
        WRITER_MAX_BATCH: '0',
      }),
    ).toThrow(/HTTP_PORT[\s\S]*DATABASE_URL|DATABASE_URL[\s\S]*HTTP_PORT/);
    try {
      RegistryConfig.fromEnv({
        HTTP_PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        ISTHMUS_OPERATOR_TOKENS: 'short',
      });
    } catch (e) {
      const m = (e as Error).message;
      for (const v of ['HTTP_PORT', 'DATABASE_URL', 'ISTHMUS_OPERATOR_TOKENS']) expect(m).toContain(v);
    }
  });

  it('refuses to start without tokens unless auth is disabled on purpose', () => {
    expect(() => RegistryConfig.fromEnv({})).toThrow(/ISTHMUS_OPERATOR_TOKENS.*ISTHMUS_AUTH_DISABLED=true/);
    const c = RegistryConfig.fromEnv({ ISTHMUS_OPERATOR_TOKENS: 'a'.repeat(24) + ', ' + 'b'.repeat(24) });
    expect(c.operatorTokens).toEqual(['a'.repeat(24), 'b'.repeat(24)]);
  });

  it('treats empty variables as unset', () => {
    expect(RegistryConfig.fromEnv({ ISTHMUS_AUTH_DISABLED: 'true', HTTP_PORT: '' }).httpPort).toBe(8080);
  });
});
