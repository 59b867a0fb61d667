import { Injectable } from '@nestjs/common';
import { PgService } from '@isthmus/service-kit';
import type { ClusterRoutingPolicy, Community, LargeCommunity } from '../core';
import { routingPolicyOf, type ClusterPolicy, type TagSource } from './cluster-policy';

interface PolicyRow {
  cluster: string;
  tag: string | number | bigint;
  tag_source: TagSource;
  advertise: boolean;
  communities: string[] | null;
  large_communities: string[] | null;
  created_at: Date | string;
  updated_at: Date | string;
}

/** What an operator sets; `tag` undefined keeps (or assigns) the cluster's tag. */
export interface PolicySettings {
  advertise: boolean;
  communities: readonly Community[] | null;
  largeCommunities: readonly LargeCommunity[] | null;
  tag?: number;
}

const COLUMNS = 'cluster, tag, tag_source, advertise, communities, large_communities, created_at, updated_at';

const numbers = (text: string) => text.split(':').map(Number);

function toPolicy(row: PolicyRow): ClusterPolicy {
  return {
    cluster: row.cluster,
    tag: Number(row.tag),
    tagSource: row.tag_source,
    advertise: row.advertise,
    communities: row.communities?.map((c) => numbers(c) as unknown as Community) ?? null,
    largeCommunities: row.large_communities?.map((c) => numbers(c) as unknown as LargeCommunity) ?? null,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

const texts = (list: readonly (readonly number[])[] | null) => list?.map((c) => c.join(':')) ?? null;

/**
 * Attempts at a tag from the sequence before giving up: each attempt that fails met a tag an
 * operator set, so this bounds the operator tags in the sequence's way, not the clusters.
 */
const TAG_ATTEMPTS = 10_000;

/** The cluster_policy table, and its revision (config_revision 'cluster_policy'). */
@Injectable()
export class ClusterPolicyStore {
  constructor(private readonly pg: PgService) {}

  /**
   * The policy the core is given for a cluster (what the routing adapter calls for every cluster
   * it sees): the stored one, or, for a cluster seen for the first time, the default with a tag
   * from the sequence, stored and kept from then on.
   */
  async policyFor(cluster: string): Promise<ClusterRoutingPolicy> {
    return routingPolicyOf(await this.ensure(cluster));
  }

  async find(cluster: string): Promise<ClusterPolicy | null> {
    const [row] = await this.pg.query<PolicyRow>(`SELECT ${COLUMNS} FROM cluster_policy WHERE cluster = $1`, [
      cluster,
    ]);
    return row ? toPolicy(row) : null;
  }

  /**
   * The cluster's policy, created with the default and the next free tag of the sequence when
   * it has none. Assignments take turns (a transaction-scoped advisory lock), so that replicas
   * seeing a new cluster at once store one row and use no value of the sequence in vain: tags
   * stay dense, 1, 2, 3... ON CONFLICT DO NOTHING covers both unique indexes: a row for the
   * cluster that an operator's PUT stored meanwhile (read it), and a tag an operator gave another
   * cluster (take the next value).
   */
  async ensure(cluster: string): Promise<ClusterPolicy> {
    const existing = await this.find(cluster);
    if (existing) return existing;
    return this.pg.transaction(async (sql) => {
      await sql.query(`SELECT pg_advisory_xact_lock(hashtext('cluster_tag_seq'))`);
      for (let attempt = 0; attempt < TAG_ATTEMPTS; attempt++) {
        const [stored] = await sql.query<PolicyRow>(
          `SELECT ${COLUMNS} FROM cluster_policy WHERE cluster = $1`,
          [cluster],
        );
        if (stored) return toPolicy(stored);
        const [row] = await sql.query<PolicyRow>(
          `INSERT INTO cluster_policy (cluster, tag, tag_source)
           SELECT $1, nextval('cluster_tag_seq'), 'assigned'
           ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`,
          [cluster],
        );
        if (row) return toPolicy(row);
      }
      throw new Error(`no free tag for cluster ${cluster} after ${TAG_ATTEMPTS} values of cluster_tag_seq`);
    });
  }

  /** Replaces the policy; a tag given is the operator's (a unique violation when another cluster has it). */
  async put(cluster: string, settings: PolicySettings): Promise<ClusterPolicy> {
    const values = [
      cluster,
      settings.advertise,
      texts(settings.communities),
      texts(settings.largeCommunities),
    ];
    if (settings.tag === undefined) {
      await this.ensure(cluster);
      const [row] = await this.pg.query<PolicyRow>(
        `UPDATE cluster_policy SET advertise = $2, communities = $3::text[], large_communities = $4::text[],
                updated_at = CURRENT_TIMESTAMP
          WHERE cluster = $1 RETURNING ${COLUMNS}`,
        values,
      );
      return toPolicy(row!);
    }
    const [row] = await this.pg.query<PolicyRow>(
      `INSERT INTO cluster_policy (cluster, advertise, communities, large_communities, tag, tag_source)
       VALUES ($1, $2, $3::text[], $4::text[], $5, 'operator')
       ON CONFLICT (cluster) DO UPDATE SET advertise = EXCLUDED.advertise, communities = EXCLUDED.communities,
              large_communities = EXCLUDED.large_communities, tag = EXCLUDED.tag, tag_source = 'operator',
              updated_at = CURRENT_TIMESTAMP
       RETURNING ${COLUMNS}`,
      [...values, settings.tag],
    );
    return toPolicy(row!);
  }

  /** Back to the default (advertised, the tag's communities); the tag stays. Null: no such cluster. */
  async reset(cluster: string): Promise<ClusterPolicy | null> {
    const [row] = await this.pg.query<PolicyRow>(
      `UPDATE cluster_policy SET advertise = true, communities = NULL, large_communities = NULL,
              updated_at = CURRENT_TIMESTAMP
        WHERE cluster = $1 RETURNING ${COLUMNS}`,
      [cluster],
    );
    return row ? toPolicy(row) : null;
  }

  async findByTag(tag: number): Promise<ClusterPolicy | null> {
    const [row] = await this.pg.query<PolicyRow>(`SELECT ${COLUMNS} FROM cluster_policy WHERE tag = $1`, [
      tag,
    ]);
    return row ? toPolicy(row) : null;
  }

  async list(after: string | null, limit: number): Promise<ClusterPolicy[]> {
    const rows = await this.pg.query<PolicyRow>(
      `SELECT ${COLUMNS} FROM cluster_policy WHERE $1::text IS NULL OR cluster > $1 ORDER BY cluster LIMIT $2`,
      [after, limit],
    );
    return rows.map(toPolicy);
  }

  /** Every policy and the table's revision, in one statement (one snapshot), by cluster. */
  async snapshot(): Promise<{ revision: number; policies: ClusterPolicy[] }> {
    const [row] = await this.pg.query<{ revision: string; policies: PolicyRow[] }>(
      `SELECT (SELECT revision FROM config_revision WHERE relation = 'cluster_policy')::text AS revision,
              (SELECT coalesce(json_agg(p), '[]') FROM (SELECT ${COLUMNS} FROM cluster_policy) p) AS policies`,
    );
    const policies = row!.policies.map(toPolicy).sort((a, b) => (a.cluster < b.cluster ? -1 : 1));
    return { revision: Number(row!.revision), policies };
  }
}
