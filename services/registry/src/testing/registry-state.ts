import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { StateConsumer } from '@isthmus/bus';
import { decodeRegistryEvent, keyOf, subjectForKey, type RegistryEvent } from '@isthmus/contracts';
import type { RegistryUnderTest } from './registry-harness';

export type StateBySubject = Map<string, Record<string, unknown>>;

/**
 * What a brand-new consumer learns from the stream: the live state of every subject after a full
 * replay (tombstoned subjects removed), as StateConsumer delivers it.
 */
export async function replayStream(
  nc: NatsConnection,
  r: RegistryUnderTest,
  durableName: string,
): Promise<StateBySubject> {
  const root = r.config.subjectRoot;
  const replayed = new Map<string, RegistryEvent>();
  const consumer = new StateConsumer<RegistryEvent>({
    nc,
    stream: r.config.streamName,
    durableName,
    filterSubject: `${root}.registry.>`,
    replay: 'full',
    ...(process.env.ISTHMUS_TEST_LOGS ? { logger: console } : {}),
    decode: (subject, data) => decodeRegistryEvent(subject, data, root),
    revisionOf: (e) => e.revision,
    apply: async (subject, e) => {
      if (e.deleted) replayed.delete(subject);
      else replayed.set(subject, e);
    },
  });
  await consumer.start();
  // Bounded, and saying where it stands when it is not caught up: a wait without an end here once
  // turned into a bare "Test timed out in 60000ms".
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void (async () => {
        const info = await (
          await jetstreamManager(nc, { checkAPI: false })
        ).consumers
          .info(r.config.streamName, durableName)
          .then((ci) =>
            JSON.stringify({
              num_pending: ci.num_pending,
              num_ack_pending: ci.num_ack_pending,
              delivered: ci.delivered,
              ack_floor: ci.ack_floor,
            }),
          )
          .catch((e: unknown) => `consumer info failed: ${String(e)}`);
        reject(
          new Error(
            `the replay of ${r.config.streamName} did not catch up within 30 s; consumer ${JSON.stringify(consumer.stats())}; server ${info}`,
          ),
        );
      })();
    }, 30_000);
  });
  try {
    await Promise.race([consumer.caughtUp, stuck]);
  } finally {
    clearTimeout(timer);
    await consumer.stop();
  }
  return new Map(
    [...replayed].map(([subject, e]) => [subject, (e as { state: Record<string, unknown> }).state]),
  );
}

/** The registry's current state as its REST API shows it, keyed by each entity's subject. */
export async function registryState(r: RegistryUnderTest): Promise<StateBySubject> {
  const root = r.config.subjectRoot;
  const out: StateBySubject = new Map();
  const add = (kind: RegistryEvent['kind'], states: Record<string, unknown>[]) => {
    for (const state of states)
      out.set(subjectForKey(kind, keyOf({ kind, deleted: false, state } as never), root), state);
  };
  const list = async (path: string) => {
    const items: Record<string, unknown>[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: Record<string, unknown>[]; nextCursor: string | null } } = await r.request(
        'GET',
        `${path}${path.includes('?') ? '&' : '?'}limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
      );
      items.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    return items.map(publishedPart);
  };
  const clusters = await list('/v1/clusters');
  add('cluster', clusters);
  for (const c of clusters) add('node', await list(`/v1/clusters/${String(c.id)}/nodes`));
  add('block', await list('/v1/pod-blocks'));
  const services = await list('/v1/services');
  add(
    'service',
    await Promise.all(
      services.map(async (s) =>
        publishedPart(
          (
            await r.request(
              'GET',
              `/v1/clusters/${String(s.cluster)}/services/${encodeURIComponent(String(s.namespace))}/${encodeURIComponent(String(s.name))}`,
            )
          ).body,
        ),
      ),
    ),
  );
  return out;
}

/** An API object without what the API adds to the published state. */
function publishedPart(o: Record<string, unknown>): Record<string, unknown> {
  const {
    revision: _r,
    updatedAt: _u,
    createdAt: _c,
    counts: _n,
    connection: _x,
    endpointCount: _e,
    ...state
  } = o;
  return state;
}
