// Group commit of dependent writes (RegistryWriter.submitDependent): consecutive ones share a
// transaction, each in its own savepoint, against real PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { PgService } from '@isthmus/service-kit';
import { pollUntil } from '@isthmus/testing';
import type { NodeState } from '@isthmus/contracts';
import { startRegistry, type RegistryUnderTest } from '../testing/registry-harness';
import { storedNodes } from '../inventory/static-store';
import { DEPENDENT_GROUP_MAX, RegistryWriter, type WriteResult } from './registry-writer';

const node = (name: string, address: string): NodeState => ({
  cluster: 'grouped',
  name,
  addresses: [address],
  ready: true,
  labels: {},
});

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

async function groupMetric(r: RegistryUnderTest): Promise<{ count: number; sum: number }> {
  const text = String((await r.request('GET', '/metrics')).body);
  const read = (what: string) =>
    Number(
      new RegExp(`^isthmus_registry_writer_dependent_group_size_${what} (\\S+)$`, 'm').exec(text)?.[1] ?? 0,
    );
  return { count: read('count'), sum: read('sum') };
}

describe('RegistryWriter: dependent writes in groups', () => {
  let r: RegistryUnderTest;
  let writer: RegistryWriter;
  let pg: PgService;

  beforeAll(async () => {
    r = await startRegistry();
    expect((await r.request('POST', '/v1/clusters', { id: 'grouped', kind: 'static' })).status).toBe(201);
    writer = r.app.get(RegistryWriter);
    pg = r.app.get(PgService);
  });
  afterAll(async () => {
    await r?.stop();
  });

  it('commits queued writes of one cluster together; each plans after the ones before it, and a failing one is rolled back alone', async () => {
    const before = await groupMetric(r);
    // A first write holds the cluster while the others queue behind it: they leave as one group.
    const hold = gate();
    const first = writer.submitDependent(['grouped'], async () => {
      await hold.opened;
      return { changes: [{ kind: 'node', op: 'upsert', state: node('n0', '192.0.2.100') }] };
    });
    const seen: string[][] = [];
    const jobs: Promise<WriteResult>[] = [];
    const queued = 8;
    for (let k = 1; k <= queued; k++) {
      jobs.push(
        writer.submitDependent(['grouped'], async (sql) => {
          // What the writes before this one left: all of them, minus the one rolled back.
          seen[k] = (await storedNodes(sql, 'grouped', [`n${k - 1}`])).map((n) => n.name);
          return {
            changes: [{ kind: 'node', op: 'upsert', state: node(`n${k}`, `192.0.2.${k}`) }],
            // n4's own writes (its node, its outbox row) are done when this throws.
            afterWrite: k === 4 ? () => Promise.reject(new Error('n4 refused after its writes')) : undefined,
          };
        }),
      );
    }
    hold.open();
    expect(await first).toEqual({ submitted: 1, changed: 1 });
    const settled = await Promise.allSettled(jobs);

    settled.forEach((s, i) => {
      const k = i + 1;
      if (k === 4)
        expect(s).toMatchObject({ status: 'rejected', reason: { message: 'n4 refused after its writes' } });
      else expect(s).toEqual({ status: 'fulfilled', value: { submitted: 1, changed: 1 } });
    });
    for (let k = 1; k <= queued; k++)
      expect(seen[k], `what job ${k} saw`).toEqual(k === 5 ? [] : [`n${k - 1}`]);

    const names = await pg.query<{ name: string }>(
      `SELECT name FROM node WHERE cluster = 'grouped' AND NOT deleted ORDER BY name`,
    );
    expect(names.map((n) => n.name)).toEqual(['n0', 'n1', 'n2', 'n3', 'n5', 'n6', 'n7', 'n8']);
    // Every committed write reached the stream through the outbox; n4's outbox row was rolled back.
    const nc = await connect({ servers: r.env.NATS_URL });
    try {
      const jsm = await jetstreamManager(nc);
      const nodeSubjects = async () => {
        const info = await jsm.streams.info(r.env.ISTHMUS_REGISTRY_STREAM!, { subjects_filter: '>' });
        return Object.keys(info.state.subjects ?? {})
          .filter((s) => s.includes('.node.grouped.'))
          .map((s) => s.split('.').at(-1))
          .sort();
      };
      await pollUntil("the group's events on the stream", async () => (await nodeSubjects()).length >= 8);
      expect(await nodeSubjects()).toEqual(['n0', 'n1', 'n2', 'n3', 'n5', 'n6', 'n7', 'n8']);
    } finally {
      await nc.close();
    }

    const after = await groupMetric(r);
    expect(after.count - before.count).toBe(1);
    expect(after.sum - before.sum).toBe(queued);
  });

  it('takes at most DEPENDENT_GROUP_MAX writes into one transaction', async () => {
    const before = await groupMetric(r);
    const hold = gate();
    const first = writer.submitDependent(['grouped'], async () => {
      await hold.opened;
      return { changes: [] };
    });
    const total = DEPENDENT_GROUP_MAX + 3;
    const jobs = Array.from({ length: total }, (_, k) =>
      writer.submitDependent(['grouped'], async () => ({
        changes: [{ kind: 'node', op: 'upsert', state: node(`m${k}`, `198.51.100.${k + 1}`) }],
      })),
    );
    hold.open();
    await first;
    expect(await Promise.all(jobs)).toEqual(jobs.map(() => ({ submitted: 1, changed: 1 })));
    const after = await groupMetric(r);
    expect(after.count - before.count).toBe(2);
    expect(after.sum - before.sum).toBe(total);
  });
});
