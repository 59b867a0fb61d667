// Measures publishBatchInOrder on the local NATS (not a test): node libs/bus/scripts/publish-throughput.mjs
// Needs a build first (npx tsc -b libs/bus). NATS_URL overrides nats://127.0.0.1:4222.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { connect } = require('@nats-io/transport-node');
const { jetstreamManager } = require('@nats-io/jetstream');
const { ensureStateStream, publishBatchInOrder } = require('@isthmus/bus');

const url = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const total = Number(process.env.MESSAGES ?? 200_000);
const batchSize = Number(process.env.BATCH ?? 5000);

const nc = await connect({ servers: url });
const jsm = await jetstreamManager(nc);
const name = `BUS_BENCH_${Date.now()}`;
await ensureStateStream(jsm, { name, subjects: [`bench${Date.now()}.>`] });
const root = (await jsm.streams.info(name)).config.subjects[0].slice(0, -2);
// A small state event, about the size of a pod block's.
const payload = new TextEncoder().encode(
  JSON.stringify({
    kind: 'block',
    revision: 1,
    at: new Date().toISOString(),
    deleted: false,
    state: {
      cluster: 'k8s-east',
      cidr: '192.168.0.64/26',
      node: 'worker-1',
      nextHop: '192.0.2.11',
      source: 'node-podcidr',
    },
  }),
);
try {
  for (const maxInFlight of [256, 1024, 4096]) {
    const started = performance.now();
    let stored = 0;
    for (let offset = 0; offset < total; offset += batchSize) {
      const batch = [];
      for (let i = offset; i < Math.min(total, offset + batchSize); i++) {
        batch.push({ subject: `${root}.w${maxInFlight}.e${i}`, data: payload, msgId: `${maxInFlight}-${i}` });
      }
      stored += (await publishBatchInOrder(nc, batch, { maxInFlight })).stored;
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `maxInFlight ${maxInFlight}: ${stored} messages of ${payload.length} B in batches of ${batchSize}: ` +
        `${seconds.toFixed(2)} s, ${Math.round(stored / seconds)} msg/s`,
    );
  }
} finally {
  await jsm.streams.delete(name);
  await nc.close();
}
