import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { authEnv } from '../auth/auth-settings';
import { databaseEnv } from '../db/database-settings';
import { httpEnv } from '../app/http-settings';
import { logEnv } from '../logging/log-settings';
import { ConfigError } from './config-error';
import { envPart, readEnv } from './env-part';
import { envInt } from './env-values';

const ownEnv = envPart({ WIDGETS: envInt(1, 10).default(3) }, (e) => ({ widgets: e.WIDGETS }));
const parts = {
  database: databaseEnv('isthmus_test'),
  http: httpEnv(8090),
  log: logEnv,
  auth: authEnv,
  own: ownEnv,
};

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('no ConfigError');
}

describe('readEnv', () => {
  it('gives each part its typed settings, with the defaults', () => {
    const s = readEnv(parts, { ISTHMUS_AUTH_DISABLED: 'true' });
    expect(s).toEqual({
      database: {
        databaseUrl: 'postgresql://postgres@127.0.0.1:5432/isthmus_test',
        databasePoolSize: 10,
        migrateOnStart: true,
      },
      http: { httpHost: '0.0.0.0', httpPort: 8090 },
      log: { logLevel: 'log', logFormat: 'json' },
      auth: { operatorTokens: [], viewerTokens: [], authDisabled: true },
      own: { widgets: 3 },
    });
  });

  it('names every bad variable of every part in one error', () => {
    const e = errorOf(() =>
      readEnv(parts, {
        DATABASE_URL: 'mysql://db',
        HTTP_PORT: 'eighty',
        LOG_LEVEL: 'loud',
        ISTHMUS_VIEWER_TOKENS: 'short',
        WIDGETS: '11',
      }),
    );
    expect(e.message.split('\n')[0]).toBe('invalid configuration:');
    for (const v of ['DATABASE_URL', 'HTTP_PORT', 'LOG_LEVEL', 'ISTHMUS_VIEWER_TOKENS', 'WIDGETS']) {
      expect(e.message).toContain(`\n  ${v}: `);
    }
  });

  it("runs a part's own checks once its variables are valid", () => {
    expect(errorOf(() => readEnv(parts, {})).message).toBe(
      'invalid configuration:\n  ISTHMUS_OPERATOR_TOKENS: set at least one operator token, ' +
        'or ISTHMUS_AUTH_DISABLED=true for local development only',
    );
    const tokens = readEnv(parts, { ISTHMUS_OPERATOR_TOKENS: ` ${'a'.repeat(16)} ,${'b'.repeat(20)}` }).auth;
    expect(tokens.operatorTokens).toEqual(['a'.repeat(16), 'b'.repeat(20)]);
  });

  it('treats an empty variable as unset', () => {
    expect(readEnv(parts, { ISTHMUS_AUTH_DISABLED: 'true', HTTP_PORT: '', WIDGETS: '' })).toMatchObject({
      http: { httpPort: 8090 },
      own: { widgets: 3 },
    });
  });

  it('ignores variables no part reads', () => {
    expect(readEnv({ own: ownEnv }, { WIDGETS: '5', PATH: '/bin', HTTP_PORT: 'not ours' })).toEqual({
      own: { widgets: 5 },
    });
  });

  it('reads booleans the way operators write them', () => {
    const flag = envPart({ FLAG: z.string().optional() }, (e) => e.FLAG);
    expect(readEnv({ flag, db: databaseEnv('x') }, { MIGRATE_ON_START: 'no' }).db.migrateOnStart).toBe(false);
    expect(errorOf(() => readEnv({ db: databaseEnv('x') }, { MIGRATE_ON_START: 'maybe' })).message).toContain(
      'MIGRATE_ON_START: must be true or false',
    );
  });
});
