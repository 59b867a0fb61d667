import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReplicasTogether, type ReplicasStartedTogether } from '@isthmus/testing';
import { deleteStreams, ensureRegistryStream, ipamEnv } from './testing/ipam-harness';
import { spawnIpam } from './testing/ipam-process';

/**
 * Four ipam processes started at once against a database that does not exist yet (issue 10: one
 * of two replicas exited with 23505 in 3 starts of 5). startReplicasTogether makes their CREATE
 * DATABASE race every time.
 */
describe('four ipam replicas started at once on a database that does not exist', () => {
  let started: ReplicasStartedTogether;
  let env: Record<string, string> | undefined;

  beforeAll(async () => {
    started = await startReplicasTogether({
      count: 4,
      databasePrefix: 'ipam_start',
      // One environment for all four, at level "log": what each did about the database is logged
      // there. Four processes that boot together and migrate in turn take a while on a busy machine.
      spawn: (database) =>
        spawnIpam((env ??= ipamEnv(database, { LOG_LEVEL: 'log' })), { startTimeoutMs: 100_000 }),
    });
    // Ready means caught up with the registry stream, which a registry would have created.
    await ensureRegistryStream(env!);
  });
  afterAll(async () => {
    await started?.stop();
    if (env) await deleteStreams(env);
  });

  it('all come up ready: one created the database, three found it created by another (23505)', async () => {
    await started.ready('/readyz');
    expect(started.databaseOutcomes()).toEqual([...Array(3).fill('23505'), 'created']);
  });
});
