import { describe, expect, it } from 'vitest';
import { JetStreamApiError } from '@nats-io/jetstream';
import { BusDeadlineError, BusPublishError } from './errors';
import { isStoreFailure, STREAM_STORE_FAILED, StreamWriteHealth } from './stream-health';

const refused = (errCode: number) =>
  new BusPublishError('not stored', 's', '1', 0, 'refused', {
    cause: new JetStreamApiError({
      code: 503,
      err_code: errCode,
      description: 'error opening msg block file',
    }),
  });
const storeFailure = refused(STREAM_STORE_FAILED);
const timeout = new BusPublishError('no acknowledgement', 's', '1', 0, 'timeout');

describe('StreamWriteHealth', () => {
  it('recognises a store failure, also as the last error of a publish out of its deadline', () => {
    expect(isStoreFailure(storeFailure)).toBe(true);
    expect(isStoreFailure(new BusDeadlineError('deadline', 3, { cause: storeFailure }))).toBe(true);
    expect(isStoreFailure(refused(10060))).toBe(false); // wrong expected stream: a refusal, not storage
    expect(isStoreFailure(timeout)).toBe(false);
    expect(isStoreFailure(new Error('x'))).toBe(false);
  });

  it('asks for a rebuild only after every write failed on the store for the whole period', () => {
    const h = new StreamWriteHealth(30_000);
    h.record(storeFailure, 1000);
    expect(h.rebuildDue(30_999)).toBe(false);
    h.record(storeFailure, 20_000);
    expect(h.failingForMs(31_000)).toBe(30_000);
    expect(h.rebuildDue(31_000)).toBe(true);
    h.reset();
    expect(h.rebuildDue(100_000)).toBe(false);
  });

  it('starts over after a success or after another kind of failure', () => {
    const h = new StreamWriteHealth(1000);
    h.record(storeFailure, 0);
    h.record(undefined, 500);
    h.record(storeFailure, 600);
    expect(h.rebuildDue(1500)).toBe(false);
    h.record(timeout, 1500); // NATS away: says nothing about the store
    h.record(storeFailure, 1600);
    expect(h.rebuildDue(2500)).toBe(false);
    expect(h.rebuildDue(2600)).toBe(true);
  });
});
