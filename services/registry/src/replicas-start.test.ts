import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReplicasTogether, type ReplicasStartedTogether } from '@isthmus/testing';
import { deleteStream, registryEnv } from './testing/registry-harness';
import { spawnRegistry } from './testing/registry-process';

/**
 * Four registry processes started at once against a database that does not exist yet (issue 10:
 * with the ipam, which shares the code, one of two replicas exited with 23505 in 3 starts of 5).
 * startReplicasTogether makes their CREATE DATABASE race every time.
 */
describe('four registry replicas started at once on a database that does not exist', () => {
  let started: ReplicasStartedTogether;
  let env: Record<string, string> | undefined;

  beforeAll(async () => {
    started = await startReplicasTogether({
      count: 4,
      databasePrefix: 'registry_start',
      // One environment for all four: the same database, stream and subjects. Four processes
      // that boot together and then migrate one after the other take a while on a busy machine.
      spawn: (database) => spawnRegistry((env ??= registryEnv(database)), { startTimeoutMs: 100_000 }),
    });
  });
  afterAll(async () => {
    await started?.stop();
    if (env) await deleteStream(env.ISTHMUS_REGISTRY_STREAM!, env.NATS_URL!);
  });

  it('all come up ready: one created the database, three found it created by another (23505)', async () => {
    await started.ready('/readyz');
    expect(started.databaseOutcomes()).toEqual([...Array(3).fill('23505'), 'created']);
  });
});
