import { Injectable } from '@nestjs/common';
import type { NodeState, PodBlockState, ServiceState } from '@isthmus/contracts';
import { z } from 'zod';
import { ClustersService } from '../clusters/clusters.service';
import { PrismaService } from '../db/prisma.service';
import type { Cluster } from '../generated/prisma/client';
import { ConflictError, NotFoundError, decodeCursor, pageOf, type Page } from '@isthmus/service-kit';
import type { EntityChange } from '../writer/changes';
import {
  BATCH_PATHS,
  PUT_PATHS,
  followersWanted,
  planNextHops,
  storedNodesWanted,
  type RequestPaths,
} from './static-next-hops';
import { blocksFollowing, setExplicitNextHops, storedNodes } from './static-store';
import { RegistryWriter, type WriteResult } from '../writer/registry-writer';
import type {
  ChangesBody,
  NodeInput,
  NodeListQuery,
  PodBlockInput,
  PodBlockListQuery,
  ServiceInput,
  ServiceListQuery,
} from './inventory.dto';

interface Stamped {
  revision: number;
  updatedAt: string;
}
export type NodeView = NodeState & Stamped;
export type PodBlockView = PodBlockState & Stamped;
export type ServiceSummary = Omit<ServiceState, 'endpoints'> & Stamped & { endpointCount: number };
export type ServiceView = ServiceState & Stamped;

interface EntityRow {
  state: string;
  revision: bigint;
  updatedAt: Date;
}

function stamped<T>(row: EntityRow): T & Stamped {
  return {
    ...(JSON.parse(row.state) as T),
    revision: Number(row.revision),
    updatedAt: row.updatedAt.toISOString(),
  };
}

@Injectable()
export class InventoryService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly clusters: ClustersService,
    private readonly writer: RegistryWriter,
  ) {}

  // ---- writes (static clusters) -------------------------------------------------------------

  /**
   * One request's changes, in one transaction. It is a dependent write (the writer's
   * submitDependent): next hops come from the nodes, stored or in the request, and a node's
   * change moves the next hops of its blocks that follow it (static-next-hops.ts).
   */
  async applyChanges(
    clusterId: string,
    body: ChangesBody,
    paths: RequestPaths = BATCH_PATHS,
  ): Promise<WriteResult> {
    const cluster = await this.requireStatic(clusterId);
    return this.writer.submitDependent([cluster.id], async (sql) => {
      const stored = {
        nodes: await storedNodes(sql, cluster.id, storedNodesWanted(body)),
        followers: await blocksFollowing(sql, cluster.id, followersWanted(body)),
      };
      const hops = planNextHops(cluster.id, body, stored, paths);
      const changes: EntityChange[] = [];
      for (const n of body.upsert.nodes)
        changes.push({ kind: 'node', op: 'upsert', state: nodeState(cluster.id, n) });
      changes.push(...hops.blocks);
      for (const s of body.upsert.services) {
        changes.push({ kind: 'service', op: 'upsert', state: serviceState(cluster, s) });
      }
      for (const name of body.delete.nodes)
        changes.push({ kind: 'node', op: 'delete', key: { cluster: cluster.id, name } });
      for (const cidr of body.delete.podBlocks) {
        changes.push({ kind: 'block', op: 'delete', key: { cluster: cluster.id, cidr } });
      }
      for (const k of body.delete.services) {
        changes.push({
          kind: 'service',
          op: 'delete',
          key: { cluster: cluster.id, namespace: k.namespace, name: k.name },
        });
      }
      return {
        changes,
        derived: hops.derived,
        afterWrite: (tx) => setExplicitNextHops(tx, cluster.id, hops.explicit),
      };
    });
  }

  async putNode(clusterId: string, input: NodeInput): Promise<NodeView> {
    await this.applyChanges(clusterId, changesWith({ nodes: [input] }), PUT_PATHS);
    return this.node(clusterId, input.name);
  }

  async putPodBlock(clusterId: string, input: PodBlockInput): Promise<PodBlockView> {
    await this.applyChanges(clusterId, changesWith({ podBlocks: [input] }), PUT_PATHS);
    return this.podBlock(clusterId, input.cidr);
  }

  async putService(clusterId: string, input: ServiceInput): Promise<ServiceView> {
    await this.applyChanges(clusterId, changesWith({ services: [input] }));
    return this.service(clusterId, input.namespace, input.name);
  }

  async deleteNode(clusterId: string, name: string): Promise<void> {
    await this.node(clusterId, name);
    await this.applyChanges(clusterId, changesWith({}, { nodes: [name] }));
  }

  async deletePodBlock(clusterId: string, cidr: string): Promise<void> {
    await this.podBlock(clusterId, cidr);
    await this.applyChanges(clusterId, changesWith({}, { podBlocks: [cidr] }));
  }

  async deleteService(clusterId: string, namespace: string, name: string): Promise<void> {
    await this.service(clusterId, namespace, name);
    await this.applyChanges(clusterId, changesWith({}, { services: [{ namespace, name }] }));
  }

  private async requireStatic(clusterId: string): Promise<Cluster> {
    const cluster = await this.clusters.require(this.prisma, clusterId);
    if (cluster.kind !== 'static') {
      throw new ConflictError(
        `cluster "${clusterId}" is of kind ${cluster.kind}: its inventory comes from its watcher; ` +
          'only clusters of kind static take inventory writes through the API',
      );
    }
    return cluster;
  }

  // ---- reads ------------------------------------------------------------------------------

  async nodes(clusterId: string, q: z.infer<typeof NodeListQuery>): Promise<Page<NodeView>> {
    await this.clusters.require(this.prisma, clusterId);
    const after = decodeCursor(q.cursor, 1);
    const rows = await this.prisma.node.findMany({
      where: { cluster: clusterId, deleted: false, ...(after ? { name: { gt: after[0] } } : {}) },
      orderBy: { name: 'asc' },
      take: q.limit + 1,
    });
    const page = pageOf(rows, q.limit, (r) => [r.name]);
    return { ...page, items: page.items.map((r) => stamped<NodeState>(r)) };
  }

  async node(clusterId: string, name: string): Promise<NodeView> {
    const row = await this.prisma.node.findUnique({ where: { cluster_name: { cluster: clusterId, name } } });
    if (!row || row.deleted) throw await this.notFound(clusterId, `node "${name}"`);
    return stamped<NodeState>(row);
  }

  async podBlocks(q: z.infer<typeof PodBlockListQuery>): Promise<Page<PodBlockView>> {
    const after = decodeCursor(q.cursor, 2);
    const rows = await this.prisma.podBlock.findMany({
      where: {
        deleted: false,
        ...(q.cluster ? { cluster: q.cluster } : {}),
        ...(q.node ? { node: q.node } : {}),
        ...(after
          ? { OR: [{ cluster: { gt: after[0] } }, { cluster: after[0], cidr: { gt: after[1] } }] }
          : {}),
      },
      orderBy: [{ cluster: 'asc' }, { cidr: 'asc' }],
      take: q.limit + 1,
    });
    const page = pageOf(rows, q.limit, (r) => [r.cluster, r.cidr]);
    return { ...page, items: page.items.map((r) => stamped<PodBlockState>(r)) };
  }

  async podBlock(clusterId: string, cidr: string): Promise<PodBlockView> {
    const row = await this.prisma.podBlock.findUnique({
      where: { cluster_cidr: { cluster: clusterId, cidr } },
    });
    if (!row || row.deleted) throw await this.notFound(clusterId, `pod block ${cidr}`);
    return stamped<PodBlockState>(row);
  }

  async services(q: z.infer<typeof ServiceListQuery>): Promise<Page<ServiceSummary>> {
    const after = decodeCursor(q.cursor, 3);
    const rows = await this.prisma.service.findMany({
      where: {
        deleted: false,
        ...(q.cluster ? { cluster: q.cluster } : {}),
        ...(q.namespace ? { namespace: q.namespace } : {}),
        ...(q.exported !== undefined ? { exported: q.exported } : {}),
        ...(after
          ? {
              OR: [
                { cluster: { gt: after[0] } },
                { cluster: after[0], namespace: { gt: after[1] } },
                { cluster: after[0], namespace: after[1], name: { gt: after[2] } },
              ],
            }
          : {}),
      },
      orderBy: [{ cluster: 'asc' }, { namespace: 'asc' }, { name: 'asc' }],
      take: q.limit + 1,
    });
    const page = pageOf(rows, q.limit, (r) => [r.cluster, r.namespace, r.name]);
    return {
      ...page,
      items: page.items.map((r) => {
        const { endpoints: _endpoints, ...rest } = stamped<ServiceState>(r);
        return { ...rest, endpointCount: r.endpointCount };
      }),
    };
  }

  async service(clusterId: string, namespace: string, name: string): Promise<ServiceView> {
    const row = await this.prisma.service.findUnique({
      where: { cluster_namespace_name: { cluster: clusterId, namespace, name } },
    });
    if (!row || row.deleted) throw await this.notFound(clusterId, `service "${namespace}/${name}"`);
    return stamped<ServiceState>(row);
  }

  /** Says whether the cluster or the object is what is missing. */
  private async notFound(clusterId: string, what: string): Promise<NotFoundError> {
    await this.clusters.require(this.prisma, clusterId);
    return new NotFoundError(`${what} not found in cluster "${clusterId}"`);
  }
}

function changesWith(
  upsert: Partial<ChangesBody['upsert']>,
  del: Partial<ChangesBody['delete']> = {},
): ChangesBody {
  return {
    upsert: { nodes: [], podBlocks: [], services: [], ...upsert },
    delete: { nodes: [], podBlocks: [], services: [], ...del },
  };
}

function nodeState(cluster: string, n: NodeInput): NodeState {
  return { cluster, name: n.name, addresses: n.addresses, ready: n.ready, labels: n.labels };
}

/** Field order is fixed here so that equal states serialize equally (the outbox payload). */
export function serviceState(cluster: Cluster, s: ServiceInput): ServiceState {
  return {
    cluster: cluster.id,
    namespace: s.namespace,
    name: s.name,
    type: s.type,
    clusterIPs: s.clusterIPs,
    loadBalancerIPs: s.loadBalancerIPs,
    externalName: s.externalName,
    ports: s.ports.map((p) => ({
      name: p.name,
      protocol: p.protocol,
      port: p.port,
      targetPort: p.targetPort,
      nodePort: p.nodePort,
    })),
    labels: s.labels,
    exported: s.exported ?? cluster.exportDefault,
    endpoints: s.endpoints.map((e) => ({
      address: e.address,
      ports: e.ports.map((p) => ({ name: p.name, protocol: p.protocol, port: p.port })),
      node: e.node,
      hostname: e.hostname,
      ready: e.ready,
      serving: e.serving ?? e.ready,
      terminating: e.terminating,
    })),
  };
}
