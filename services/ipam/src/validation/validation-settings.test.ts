import { describe, expect, it } from 'vitest';
import { ConfigError, natsEnv, readEnv } from '@isthmus/service-kit';
import { validationEnv } from './validation-settings';

const read = (env: Record<string, string>) => {
  const s = readEnv({ nats: natsEnv, validation: validationEnv }, env);
  return { ...s.nats, ...s.validation };
};

describe('validation settings', () => {
  it('defaults to the installation-wide root and streams, and a durable name per process', () => {
    const s = read({});
    expect(s).toMatchObject({
      natsUrl: 'nats://127.0.0.1:4222',
      subjectRoot: 'isthmus',
      registryStream: 'ISTHMUS_REGISTRY',
      ipamStream: 'ISTHMUS_IPAM',
      feedBatchSize: 2000,
      publishBatchSize: 2000,
    });
    expect(s.feedDurableName).toMatch(/^ipam-[A-Za-z0-9_-]+-\d+$/);
    expect(s.feedDurableName).toContain(String(process.pid));
  });

  it('names every bad variable, and refuses to publish into the registry stream', () => {
    let error: unknown;
    try {
      read({
        ISTHMUS_SUBJECT_ROOT: 'a.b',
        FEED_DURABLE_NAME: 'ipam.1',
        PUBLISH_BATCH_SIZE: '0',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    for (const v of ['ISTHMUS_SUBJECT_ROOT', 'FEED_DURABLE_NAME', 'PUBLISH_BATCH_SIZE']) {
      expect((error as Error).message).toContain(`  ${v}: `);
    }
    expect(() => read({ ISTHMUS_REGISTRY_STREAM: 'S', ISTHMUS_IPAM_STREAM: 'S' })).toThrow(
      /ISTHMUS_IPAM_STREAM: must differ from ISTHMUS_REGISTRY_STREAM/,
    );
  });
});
