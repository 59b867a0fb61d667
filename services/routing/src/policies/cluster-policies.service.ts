import { Injectable } from '@nestjs/common';
import { ConflictError, decodeCursor, NotFoundError, pageOf, type Page } from '@isthmus/service-kit';
import { SpeakerSettings } from '../config/routing-settings';
import { constraintOf, SqlState, sqlStateOf } from '../db/sql-state';
import { clusterPolicyView, type ClusterPolicy, type ClusterPolicyView } from './cluster-policy';
import type { ClusterPolicyPageQuery, PutClusterPolicyBody } from './cluster-policy.dto';
import { ClusterPoliciesFeed } from './cluster-policies-feed';
import { ClusterPolicyStore } from './cluster-policy-store';

@Injectable()
export class ClusterPoliciesService {
  constructor(
    private readonly policies: ClusterPolicyStore,
    private readonly settings: SpeakerSettings,
    /** Read-your-writes: a policy written here is in this replica's feed before the answer. */
    private readonly feed: ClusterPoliciesFeed,
  ) {}

  async get(cluster: string): Promise<ClusterPolicyView> {
    const policy = await this.policies.find(cluster);
    if (!policy) throw notFound(cluster);
    return this.view(policy);
  }

  async list(q: ClusterPolicyPageQuery): Promise<Page<ClusterPolicyView>> {
    const after = decodeCursor(q.cursor, 1);
    const rows = await this.policies.list(after?.[0] ?? null, q.limit + 1);
    const page = pageOf(rows, q.limit, (p) => [p.cluster]);
    return { ...page, items: page.items.map((p) => this.view(p)) };
  }

  /** Two clusters never share a tag: the unique index refuses the second, and the 409 names the first. */
  async put(cluster: string, body: PutClusterPolicyBody): Promise<ClusterPolicyView> {
    let policy: ClusterPolicy;
    try {
      policy = await this.policies.put(cluster, body);
    } catch (e) {
      if (sqlStateOf(e) !== SqlState.uniqueViolation || constraintOf(e) !== 'cluster_policy_tag_key') throw e;
      const holder = body.tag === undefined ? null : await this.policies.findByTag(body.tag);
      throw new ConflictError(
        `tag: ${body.tag} is the tag of cluster ${holder?.cluster ?? '(another cluster)'}; ` +
          'two clusters cannot share a tag (their routes would carry the same communities)',
      );
    }
    await this.feed.catchUp();
    return this.view(policy);
  }

  /** Back to the default: advertised, with the communities of its tag, which it keeps. */
  async reset(cluster: string): Promise<ClusterPolicyView> {
    const policy = await this.policies.reset(cluster);
    if (!policy) throw notFound(cluster);
    await this.feed.catchUp();
    return this.view(policy);
  }

  private view(policy: ClusterPolicy): ClusterPolicyView {
    return clusterPolicyView(policy, this.settings.localAsn);
  }
}

function notFound(cluster: string): NotFoundError {
  return new NotFoundError(
    `cluster ${cluster} has no routing policy: routing has not seen it yet; PUT one to set it before it appears`,
  );
}
