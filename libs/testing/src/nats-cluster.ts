import { jetstreamManager, StorageType } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ManagedServer } from './nats-server';
import { pollUntil } from './polling';
import { freePort } from './postgres-server';

export interface NatsClusterNode {
  /** The server's name (`-n`), as JetStream reports leaders and replicas. */
  readonly name: string;
  readonly url: string;
  readonly port: number;
  readonly running: boolean;
  /** SIGTERM, as an orderly shutdown. */
  stop(): Promise<void>;
  /** SIGKILL, as in a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and store; it rejoins the cluster. */
  start(): Promise<void>;
}

export interface NatsClusterHandle {
  /** Every node's client URL, comma-separated: what NATS_URL says for a cluster. */
  readonly url: string;
  readonly nodes: readonly NatsClusterNode[];
  node(name: string): NatsClusterNode;
  /** The node that leads a stream now (JetStream's `cluster.leader`); `not`: a node just lost. */
  streamLeader(stream: string, opts?: { not?: string }): Promise<NatsClusterNode>;
  /** Resolves once the stream has a leader and all its replicas are current. */
  streamSettled(stream: string, opts?: { timeoutMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

const CLUSTER_NAME = 'isthmus-test';

/**
 * A private 3-node (or `size`-node) nats-server cluster with JetStream on 127.0.0.1: each node
 * its own client port, cluster port and store, routes to all the others. Resolves once JetStream
 * can place a stream with a replica on every node. Nodes can be stopped, killed and
 * started again one by one, as a JetStream cluster in production loses and gets back a server.
 */
export async function startNatsCluster(opts: { size?: number } = {}): Promise<NatsClusterHandle> {
  const size = opts.size ?? 3;
  const ports = await Promise.all(
    Array.from({ length: size }, async () => ({ client: await freePort(), cluster: await freePort() })),
  );
  const routes = ports.map((p) => `nats://127.0.0.1:${p.cluster}`).join(',');
  const nodes = ports.map((p, i) => {
    const name = `n${i + 1}`;
    const server = new ManagedServer({
      jetstream: true,
      port: p.client,
      extraArgs: [
        '-n',
        name,
        '--cluster_name',
        CLUSTER_NAME,
        '--cluster',
        `nats://127.0.0.1:${p.cluster}`,
        '--routes',
        routes,
      ],
    });
    return { name, server };
  });
  await Promise.all(nodes.map((n) => n.server.start()));
  const url = nodes.map((n) => n.server.url).join(',');
  const handles: NatsClusterNode[] = nodes.map(({ name, server }) => ({
    name,
    get url() {
      return server.url;
    },
    port: server.port,
    get running() {
      return server.running;
    },
    stop: () => server.stop(),
    kill: () => server.kill(),
    start: () => server.start(),
  }));

  let admin: NatsConnection | undefined;
  const adminConnection = async () =>
    (admin ??= await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 100 }));
  const streamInfo = async (stream: string) =>
    (await jetstreamManager(await adminConnection(), { checkAPI: false, timeout: 2000 })).streams.info(
      stream,
    );

  // Ready when a stream with a replica on every node can be placed: a meta leader alone is not
  // enough, the others may not have joined it yet ("no suitable peers for placement").
  await pollUntil(
    `the JetStream cluster to place a stream on all ${size} nodes`,
    async () => {
      const jsm = await jetstreamManager(await adminConnection(), { checkAPI: false, timeout: 2000 });
      const probe = `CLUSTER_PROBE_${process.pid}`;
      await jsm.streams.add({
        name: probe,
        subjects: [`cluster-probe-${process.pid}`],
        num_replicas: size,
        storage: StorageType.Memory,
      });
      await jsm.streams.delete(probe);
      return true;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );

  const node = (name: string) => {
    const n = handles.find((h) => h.name === name);
    if (!n) throw new Error(`no node ${name} in this cluster (${handles.map((h) => h.name).join(', ')})`);
    return n;
  };
  return {
    url,
    nodes: handles,
    node,
    async streamLeader(stream, o = {}) {
      const leader = await pollUntil(
        `a leader of stream ${stream}${o.not ? ` other than ${o.not}` : ''}`,
        async () => {
          const l = (await streamInfo(stream)).cluster?.leader;
          return l !== o.not && l;
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      return node(leader);
    },
    async streamSettled(stream, o = {}) {
      await pollUntil(
        `stream ${stream} with a leader and every replica current`,
        async () => {
          const c = (await streamInfo(stream)).cluster;
          return !!c?.leader && (c.replicas ?? []).every((r) => r.current && !r.offline);
        },
        { timeoutMs: o.timeoutMs ?? 60_000, intervalMs: 200 },
      );
    },
    async stop() {
      await admin?.close().catch(() => undefined);
      await Promise.all(nodes.map((n) => n.server.stop()));
    },
  };
}
