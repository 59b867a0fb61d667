import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config-error';
import { readEnv } from '../config/env-part';
import { natsEnv, natsServers } from './nats-settings';

const read = (env: Record<string, string>) => readEnv({ nats: natsEnv }, env).nats;

describe('NATS settings', () => {
  it('defaults to the local server, with bounds on every wait', () => {
    expect(read({})).toEqual({
      natsUrl: 'nats://127.0.0.1:4222',
      natsReconnectWaitMs: 500,
      natsPingIntervalMs: 10_000,
      natsRequestTimeoutMs: 5000,
      natsPublishTimeoutMs: 5000,
    });
  });

  it('takes the servers of a cluster as a comma-separated list', () => {
    const url = 'nats://10.0.0.1:4222, nats://10.0.0.2:4222,tls://user:secret@nats-3.example:4222';
    expect(natsServers(read({ NATS_URL: url }).natsUrl)).toEqual([
      'nats://10.0.0.1:4222',
      'nats://10.0.0.2:4222',
      'tls://user:secret@nats-3.example:4222',
    ]);
    expect(natsServers(read({ NATS_URL: '127.0.0.1:4222' }).natsUrl)).toEqual(['127.0.0.1:4222']);
  });

  it('names a server that is not one, and every bad bound, in one error', () => {
    let error: unknown;
    try {
      read({ NATS_URL: 'nats://a:1,http://b:2/x', NATS_PUBLISH_TIMEOUT_MS: '10' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('NATS_PUBLISH_TIMEOUT_MS: ');
    expect(() => read({ NATS_URL: 'nats://a:1,http://b:2/x' })).toThrow(/NATS_URL: .*"http:\/\/b:2\/x"/);
    expect(() => read({ NATS_URL: ' , ' })).toThrow(/NATS_URL: /);
  });
});
