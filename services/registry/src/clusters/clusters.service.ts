import { Injectable } from '@nestjs/common';
import type { ClusterState } from '@isthmus/contracts';
import { z } from 'zod';
import { PrismaService, type Tx } from '../db/prisma.service';
import {
  prismaSql,
  ConflictError,
  InvalidInputError,
  NotFoundError,
  decodeCursor,
  pageOf,
  type Page,
  parseInput,
} from '@isthmus/service-kit';
import type { Cluster } from '../generated/prisma/client';
import { loadKubeConfig } from '../sources/kubernetes/kube-source';
import { RegistryConfig } from '../config/config';
import { stateEvent, tombstoneEvent, type OutboxRow } from '../writer/events';
import { RegistryWriter } from '../writer/registry-writer';
import { deleteClusterEntities, revisionSql } from '../writer/entity-store';
import {
  ConnectionByKind,
  summarizeConnection,
  type ClusterListQuery,
  type ConnectionSummary,
  type CreateClusterBody,
  type PatchClusterBody,
} from './cluster.dto';

export interface ClusterCounts {
  nodes: number;
  podBlocks: number;
  services: number;
  exportedServices: number;
  endpoints: number;
}

export interface ClusterView extends ClusterState {
  connection: ConnectionSummary;
  revision: number;
  createdAt: string;
  updatedAt: string;
  counts: ClusterCounts;
}

export function clusterState(row: Cluster): ClusterState {
  return {
    id: row.id,
    kind: row.kind as ClusterState['kind'],
    status: row.status as ClusterState['status'],
    statusReason: row.statusReason,
    lastSyncAt: row.lastSyncAt?.toISOString() ?? null,
    asn: row.asn === null ? null : Number(row.asn),
    labels: row.labels as Record<string, string>,
    exportDefault: row.exportDefault,
  };
}

@Injectable()
export class ClustersService {
  private readonly changeListeners: (() => void)[] = [];

  constructor(
    private readonly prisma: PrismaService,
    private readonly writer: RegistryWriter,
    private readonly config: RegistryConfig,
  ) {}

  async create(body: CreateClusterBody): Promise<ClusterView> {
    if (body.kind === 'kubernetes') checkInlineKubeconfig(body.connection);
    const row = await this.writer.inClusterTransaction([body.id], async (tx, at) => {
      if (await tx.cluster.findUnique({ where: { id: body.id }, select: { id: true } })) {
        throw new ConflictError(
          `cluster "${body.id}" already exists; PATCH it to change it, or DELETE it first`,
        );
      }
      const revision = await nextRevision(tx);
      // A static cluster has no watcher: the API is its source, so it is current from the start.
      const synced = body.kind === 'static';
      const created = await tx.cluster.create({
        data: {
          id: body.id,
          kind: body.kind,
          connection: body.connection,
          status: synced ? 'synced' : 'connecting',
          lastSyncAt: synced ? new Date(at) : null,
          asn: body.asn ?? null,
          labels: body.labels,
          exportDefault: body.exportDefault,
          revision,
        },
      });
      return { result: created, events: [this.clusterEvent(created, at)] };
    });
    this.changed();
    return this.view(row, emptyCounts());
  }

  async get(id: string): Promise<ClusterView> {
    const row = await this.require(this.prisma, id);
    return this.view(row, (await this.counts([id])).get(id) ?? emptyCounts());
  }

  async list(q: z.infer<typeof ClusterListQuery>): Promise<Page<ClusterView>> {
    const after = decodeCursor(q.cursor, 1);
    const rows = await this.prisma.cluster.findMany({
      where: {
        ...(after ? { id: { gt: after[0] } } : {}),
        ...(q.kind ? { kind: q.kind } : {}),
        ...(q.status ? { status: q.status } : {}),
      },
      orderBy: { id: 'asc' },
      take: q.limit + 1,
    });
    const page = pageOf(rows, q.limit, (r) => [r.id]);
    const counts = await this.counts(page.items.map((r) => r.id));
    return { ...page, items: page.items.map((r) => this.view(r, counts.get(r.id) ?? emptyCounts())) };
  }

  async patch(id: string, body: PatchClusterBody): Promise<ClusterView> {
    const row = await this.writer.inClusterTransaction([id], async (tx, at) => {
      const current = await this.require(tx, id);
      const connection =
        body.connection === undefined
          ? undefined
          : parseInput(
              ConnectionByKind[current.kind as keyof typeof ConnectionByKind],
              body.connection,
              `connection for a ${current.kind} cluster`,
            );
      if (connection && current.kind === 'kubernetes') checkInlineKubeconfig(connection);
      const next = { ...current };
      if (body.asn !== undefined) next.asn = body.asn === null ? null : BigInt(body.asn);
      if (body.labels !== undefined) next.labels = body.labels;
      if (body.exportDefault !== undefined) next.exportDefault = body.exportDefault;
      const stateChanged = JSON.stringify(clusterState(next)) !== JSON.stringify(clusterState(current));
      if (!stateChanged && connection === undefined) return { result: current, events: [] };
      // A new revision only when consumers can see a difference; a new connection alone is
      // the watcher's business (issue: restart the watch), not an event.
      const revision = stateChanged ? await nextRevision(tx) : current.revision;
      const updated = await tx.cluster.update({
        where: { id },
        data: {
          asn: next.asn,
          labels: next.labels as object,
          exportDefault: next.exportDefault,
          ...(connection !== undefined ? { connection } : {}),
          revision,
          updatedAt: new Date(at),
        },
      });
      return { result: updated, events: stateChanged ? [this.clusterEvent(updated, at)] : [] };
    });
    this.changed();
    return this.view(row, (await this.counts([id])).get(id) ?? emptyCounts());
  }

  /**
   * Deletes a cluster and everything it had, publishing a tombstone for every entity and then
   * for the cluster itself, in one transaction.
   */
  async delete(id: string): Promise<{ tombstones: number }> {
    const result = await this.writer.inClusterTransaction([id], async (tx, at) => {
      await this.require(tx, id);
      const entities = await deleteClusterEntities(prismaSql(tx), id, at);
      const [cluster] = await tx.$queryRawUnsafe<{ revision: bigint }[]>(
        `DELETE FROM cluster WHERE id = $1 RETURNING ${revisionSql} AS revision`,
        id,
      );
      const events = [tombstoneEvent('cluster', { id }, cluster!.revision, at, this.config.subjectRoot)];
      return { result: { tombstones: entities + 1 }, events };
    });
    this.changed();
    return result;
  }

  /** Called after a cluster is created, changed or deleted (the source manager reacts at once). */
  onChange(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  private changed(): void {
    for (const l of this.changeListeners) l();
  }

  /**
   * Records a cluster's status as its source sees it; a cluster event only when something a
   * consumer can see changes. `synced` also stamps lastSyncAt.
   */
  async setStatus(
    id: string,
    status: ClusterState['status'],
    reason: string | null,
    synced: boolean,
  ): Promise<void> {
    await this.writer.inClusterTransaction([id], async (tx, at) => {
      const current = await tx.cluster.findUnique({ where: { id } });
      if (!current) return { result: undefined, events: [] }; // deleted meanwhile
      if (current.status === status && current.statusReason === reason && !synced)
        return { result: undefined, events: [] };
      const updated = await tx.cluster.update({
        where: { id },
        data: {
          status,
          statusReason: reason,
          ...(synced ? { lastSyncAt: new Date(at) } : {}),
          revision: await nextRevision(tx),
          updatedAt: new Date(at),
        },
      });
      return { result: undefined, events: [this.clusterEvent(updated, at)] };
    });
  }

  /** The cluster or a 404; used by the inventory endpoints too. */
  async require(db: Tx | PrismaService, id: string): Promise<Cluster> {
    const row = await db.cluster.findUnique({ where: { id } });
    if (!row) throw new NotFoundError(`cluster "${id}" is not registered`);
    return row;
  }

  private clusterEvent(row: Cluster, at: string): OutboxRow {
    return stateEvent(
      'cluster',
      clusterState(row),
      { id: row.id },
      row.revision,
      at,
      this.config.subjectRoot,
    );
  }

  private view(row: Cluster, counts: ClusterCounts): ClusterView {
    return {
      ...clusterState(row),
      connection: summarizeConnection(row.kind, row.connection as Record<string, unknown>),
      revision: Number(row.revision),
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
      counts,
    };
  }

  private async counts(ids: string[]): Promise<Map<string, ClusterCounts>> {
    const out = new Map<string, ClusterCounts>(ids.map((id) => [id, emptyCounts()]));
    if (ids.length === 0) return out;
    const rows = await this.prisma.$queryRawUnsafe<
      {
        cluster: string;
        nodes: bigint;
        blocks: bigint;
        services: bigint;
        exported: bigint;
        endpoints: bigint;
      }[]
    >(
      `SELECT c.id AS cluster,
              (SELECT count(*) FROM node n WHERE n.cluster = c.id AND NOT n.deleted) AS nodes,
              (SELECT count(*) FROM pod_block b WHERE b.cluster = c.id AND NOT b.deleted) AS blocks,
              s.services, s.exported, s.endpoints
         FROM unnest($1::text[]) AS c(id)
         CROSS JOIN LATERAL (
           SELECT count(*) AS services, count(*) FILTER (WHERE exported) AS exported,
                  coalesce(sum(endpoint_count), 0)::bigint AS endpoints
             FROM service WHERE cluster = c.id AND NOT deleted) s`,
      ids,
    );
    for (const r of rows) {
      out.set(r.cluster, {
        nodes: Number(r.nodes),
        podBlocks: Number(r.blocks),
        services: Number(r.services),
        exportedServices: Number(r.exported),
        endpoints: Number(r.endpoints),
      });
    }
    return out;
  }
}

async function nextRevision(tx: Tx): Promise<bigint> {
  const [row] = await tx.$queryRawUnsafe<{ revision: bigint }[]>(`SELECT ${revisionSql} AS revision`);
  return row!.revision;
}

function emptyCounts(): ClusterCounts {
  return { nodes: 0, podBlocks: 0, services: 0, exportedServices: 0, endpoints: 0 };
}

/** An inline kubeconfig must load and name a cluster: a 400 now beats a cluster stuck connecting. */
function checkInlineKubeconfig(connection: Record<string, unknown>): void {
  if (typeof connection.kubeconfig !== 'string') return;
  try {
    loadKubeConfig({ kubeconfig: connection.kubeconfig, context: connection.context as string | undefined });
  } catch (e) {
    throw new InvalidInputError(`connection.kubeconfig is invalid: ${(e as Error).message}`);
  }
}
