import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import {
  ENV_BACKEND,
  ENV_NATS_URL,
  ENV_RUN_ID,
  LOCAL_NATS_URL,
  LOCAL_POSTGRES_URL,
  postgresAdminUrl,
} from './env';
import { natsUrl, uniqueName } from './index';

describe('uniqueName', () => {
  it('is the prefix, an underscore and a random part, using only letters, digits and _', () => {
    const a = uniqueName('orders');
    const b = uniqueName('orders');
    expect(a).toMatch(/^orders_[0-9a-f]{12}$/);
    expect(b).not.toBe(a);
    expect(uniqueName('a.b-c d>')).toMatch(/^a_b_c_d__[0-9a-f]{12}$/);
  });
});

describe("the run's NATS server", () => {
  it('answers JetStream requests: a stream is created, written and read back', async () => {
    const nc = await connect({ servers: natsUrl() });
    try {
      const jsm = await jetstreamManager(nc);
      const name = uniqueName('HARNESS');
      await jsm.streams.add({ name, subjects: [`${name}.>`] });
      try {
        const js = jetstream(nc);
        const ack1 = await js.publish(`${name}.a`, 'first');
        const ack2 = await js.publish(`${name}.b`, JSON.stringify({ n: 2 }));
        expect(ack1.stream).toBe(name);
        expect([ack1.seq, ack2.seq]).toEqual([1, 2]);

        const stored = await jsm.streams.getMessage(name, { seq: 1 });
        expect(stored?.subject).toBe(`${name}.a`);
        expect(stored?.string()).toBe('first');

        // A consumer too: ordered consumers use inbox names from @nats-io/nuid, whose package
        // asks for Node 22 in "engines" but works on Node 20 (this is the check).
        const consumer = await js.consumers.get(name);
        const first = await consumer.next({ expires: 5_000 });
        const second = await consumer.next({ expires: 5_000 });
        expect(first?.string()).toBe('first');
        expect(second?.json<{ n: number }>()).toEqual({ n: 2 });
        expect((await jsm.streams.info(name)).state.messages).toBe(2);
      } finally {
        await jsm.streams.delete(name);
      }
    } finally {
      await nc.close();
    }
  });
});

describe('the global setup', () => {
  it("hands this run's services to the test worker through the environment", () => {
    // Set by global-setup.ts in vitest's main process; seen here only if the worker inherited it.
    expect(process.env[ENV_RUN_ID]).toMatch(/^run_[0-9a-f]{12}$/);
    expect(process.env[ENV_NATS_URL]).toBe(natsUrl());
    expect(['docker', 'local']).toContain(process.env[ENV_BACKEND]);
    if (process.env[ENV_BACKEND] === 'docker') {
      // Containers publish on random ports, never on the machine's own services' ports.
      expect(natsUrl()).not.toBe(LOCAL_NATS_URL);
      expect(postgresAdminUrl()).not.toBe(LOCAL_POSTGRES_URL);
      expect(new URL(natsUrl()).port).not.toBe('4222');
      expect(new URL(postgresAdminUrl()).port).not.toBe('5432');
    }
  });
});
