import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiRoute, ZodPipe } from '@isthmus/service-kit';
import {
  ClusterId,
  ClusterPolicyListQuery,
  PutClusterPolicyBody,
  type ClusterPolicyPageQuery,
} from './cluster-policy.dto';
import { ClusterPoliciesService } from './cluster-policies.service';

const ClusterParam = new ZodPipe(ClusterId, 'cluster id');

@ApiTags('cluster-policies')
@Controller('v1/cluster-policies')
export class ClusterPoliciesController {
  constructor(private readonly policies: ClusterPoliciesService) {}

  @Get()
  @ApiRoute({
    summary: 'Routing policies of every cluster routing has seen or an operator set, by cluster',
    errors: [400],
  })
  list(@Query(new ZodPipe(ClusterPolicyListQuery, 'query')) q: ClusterPolicyPageQuery) {
    return this.policies.list(q);
  }

  @Get(':cluster')
  @ApiRoute({
    summary: "One cluster's routing policy and the communities its routes carry",
    errors: [400, 404],
  })
  get(@Param('cluster', ClusterParam) cluster: string) {
    return this.policies.get(cluster);
  }

  @Put(':cluster')
  @ApiRoute({
    summary: "Set a cluster's routing policy (whether it is advertised, its communities, its tag)",
    description:
      'Replaces the policy: omitted fields take their defaults (advertised; the communities of the tag), ' +
      'except `tag`, which is kept when omitted. 409 when another cluster has the tag.',
    body: PutClusterPolicyBody,
    errors: [400, 403, 409],
  })
  put(
    @Param('cluster', ClusterParam) cluster: string,
    @Body(new ZodPipe(PutClusterPolicyBody)) body: PutClusterPolicyBody,
  ) {
    return this.policies.put(cluster, body);
  }

  @Delete(':cluster')
  @HttpCode(200)
  @ApiRoute({ summary: 'Return a cluster to the default policy; it keeps its tag', errors: [400, 403, 404] })
  reset(@Param('cluster', ClusterParam) cluster: string) {
    return this.policies.reset(cluster);
  }
}
