// The stack the routing benches run: a database each for the registry, IPAM and routing, BIRD 2
// route reflectors (AS 64511) with the routing service as their passive iBGP client, and the
// registry and IPAM as real processes (their dist/main.js). Everything on 127.0.0.0/8.
import { resolve } from 'node:path';
import {
  createTestDatabase,
  freePort,
  httpRequest,
  spawnService,
  startBird,
} from '../../libs/testing/dist/index.js';

export const ASN = 64511;
export const ROUTING_ADDRESS = '127.0.0.92';
export const TOKEN = 'bench-operator-token-0000000001';
/** Wall-clock milliseconds with a fraction, comparable with BIRD's microsecond timestamps. */
export const wallNow = () => performance.timeOrigin + performance.now();
export const serviceMain = (service) =>
  resolve(import.meta.dirname, `../../services/${service}/dist/main.js`);

/** The i-th /26 from the IPv4 address `base` (an integer). */
export function blockOf(base, i) {
  const n = base + i * 64;
  return `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}/26`;
}

/** Calls a service with the operator token; fails unless the answer has `status`. */
export async function must(service, method, path, body, status) {
  const answer = await httpRequest(service.url, method, path, body, TOKEN);
  if (answer.status !== status)
    throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/**
 * Starts the stack with a BIRD at each of `reflectors`; `cleanup` collects the teardown steps
 * (run them in reverse). Returns the processes, the BIRDs and the routing service's environment.
 */
export async function startRoutingStack({ tag, reflectors, cleanup }) {
  const root = `${tag}_${Date.now()}`;
  const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  const streams = {
    ISTHMUS_SUBJECT_ROOT: root,
    ISTHMUS_REGISTRY_STREAM: `${root.toUpperCase()}_REGISTRY`,
    ISTHMUS_IPAM_STREAM: `${root.toUpperCase()}_IPAM`,
  };
  const envOf = async (name) => {
    const db = await createTestDatabase(`bench_${name}`);
    cleanup.push(() => db.drop());
    return {
      DATABASE_URL: db.url,
      NATS_URL: natsUrl,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      ISTHMUS_OPERATOR_TOKENS: TOKEN,
      ISTHMUS_VIEWER_TOKENS: 'bench-viewer-token-00000000001',
      LOG_LEVEL: 'warn',
      ...streams,
    };
  };
  const birds = [];
  for (const address of reflectors) {
    const port = await freePort();
    const bird = await startBird({
      address,
      port,
      asn: ASN,
      neighbors: [
        {
          name: 'routing',
          address: ROUTING_ADDRESS,
          port: await freePort(),
          asn: ASN,
          routeReflectorClient: true,
          passive: true,
          gracefulRestart: true,
        },
      ],
    });
    cleanup.push(() => bird.destroy());
    birds.push({ address, port, bird });
  }
  const registry = await spawnService('registry', serviceMain('registry'), {
    ...(await envOf('registry')),
    SOURCES_ENABLED: 'false',
    // A CPU profile of the registry, as BENCH_ROUTING_NODE_OPTIONS is the routing service's.
    NODE_OPTIONS: process.env.BENCH_REGISTRY_NODE_OPTIONS ?? '',
  });
  cleanup.push(() => registry.kill());
  const ipam = await spawnService('ipam', serviceMain('ipam'), await envOf('ipam'));
  cleanup.push(() => ipam.kill());
  const routingEnv = {
    ...(await envOf('routing')),
    ROUTING_ROUTER_ID: ROUTING_ADDRESS,
    ROUTING_SOURCE_ADDRESS: ROUTING_ADDRESS,
    ROUTING_LOCAL_ASN: String(ASN),
  };
  return { streams, natsUrl, birds, registry, ipam, routingEnv };
}

/** Runs `run(cleanup)`, then the teardown steps it collected, in reverse; a failure sets the exit code. */
export async function withCleanup(run) {
  const cleanup = [];
  try {
    await run(cleanup);
  } catch (err) {
    console.error(err);
    process.exitCode = 1;
  } finally {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  }
}
