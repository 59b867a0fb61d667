import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { DnsLabel } from '@isthmus/contracts';
import { ApiRoute, ZodPipe } from '@isthmus/service-kit';
import { ClusterListQuery, CreateClusterBody, PatchClusterBody } from './cluster.dto';
import { ClustersService } from './clusters.service';

const ClusterId = new ZodPipe(DnsLabel, 'cluster id');

@ApiTags('clusters')
@Controller('v1/clusters')
export class ClustersController {
  constructor(private readonly clusters: ClustersService) {}

  @Post()
  @ApiRoute({ summary: 'Register a cluster', body: CreateClusterBody, errors: [400, 403, 409] })
  create(@Body(new ZodPipe(CreateClusterBody)) body: CreateClusterBody) {
    return this.clusters.create(body);
  }

  @Get()
  @ApiRoute({ summary: 'List clusters with status and counts', errors: [400] })
  list(@Query(new ZodPipe(ClusterListQuery, 'query')) q: ReturnType<typeof ClusterListQuery.parse>) {
    return this.clusters.list(q);
  }

  @Get(':id')
  @ApiRoute({ summary: 'One cluster with status and counts', errors: [400, 404] })
  get(@Param('id', ClusterId) id: string) {
    return this.clusters.get(id);
  }

  @Patch(':id')
  @ApiRoute({
    summary: 'Change labels, ASN, export default or connection',
    body: PatchClusterBody,
    errors: [400, 403, 404],
  })
  patch(@Param('id', ClusterId) id: string, @Body(new ZodPipe(PatchClusterBody)) body: PatchClusterBody) {
    return this.clusters.patch(id, body);
  }

  @Delete(':id')
  @HttpCode(200)
  @ApiRoute({
    summary: 'Delete a cluster and everything it had',
    description:
      'Publishes a tombstone for every node, pod block and service of the cluster, then for the cluster.',
    errors: [400, 403, 404],
  })
  delete(@Param('id', ClusterId) id: string) {
    return this.clusters.delete(id);
  }
}
