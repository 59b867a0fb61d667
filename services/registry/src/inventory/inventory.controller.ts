import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CidrText, DnsLabel, ObjectName } from '@isthmus/contracts';
import { z } from 'zod';
import { ApiRoute, ZodPipe } from '@isthmus/service-kit';
import {
  ChangesBody,
  NodeBody,
  NodeListQuery,
  PodBlockBody,
  PodBlockListQuery,
  ServiceBody,
  ServiceListQuery,
} from './inventory.dto';
import { InventoryService } from './inventory.service';

const ClusterId = new ZodPipe(DnsLabel, 'cluster id');
const Name = (what: string) => new ZodPipe(ObjectName, what);
const Cidr = new ZodPipe(CidrText, 'pod block prefix (URL-encode the "/" as %2F)');

/** Nodes, pod blocks and services of one cluster: reads for every kind, writes for static clusters. */
@ApiTags('inventory')
@Controller('v1/clusters/:cluster')
export class ClusterInventoryController {
  constructor(private readonly inventory: InventoryService) {}

  @Post('changes')
  @HttpCode(200)
  @ApiRoute({
    summary: 'Upsert and delete nodes, pod blocks and services of a static cluster in one transaction',
    description: 'Writing a state that is already stored changes nothing and publishes nothing.',
    body: ChangesBody,
    errors: [400, 403, 404, 409, 413],
  })
  changes(@Param('cluster', ClusterId) cluster: string, @Body(new ZodPipe(ChangesBody)) body: ChangesBody) {
    return this.inventory.applyChanges(cluster, body);
  }

  @Get('nodes')
  @ApiRoute({ summary: 'Nodes of a cluster', errors: [400, 404] })
  nodes(
    @Param('cluster', ClusterId) cluster: string,
    @Query(new ZodPipe(NodeListQuery, 'query')) q: z.infer<typeof NodeListQuery>,
  ) {
    return this.inventory.nodes(cluster, q);
  }

  @Get('nodes/:name')
  @ApiRoute({ summary: 'One node', errors: [400, 404] })
  node(@Param('cluster', ClusterId) cluster: string, @Param('name', Name('node name')) name: string) {
    return this.inventory.node(cluster, name);
  }

  @Put('nodes/:name')
  @ApiRoute({
    summary: 'Create or replace a node of a static cluster',
    body: NodeBody,
    errors: [400, 403, 404, 409],
  })
  putNode(
    @Param('cluster', ClusterId) cluster: string,
    @Param('name', Name('node name')) name: string,
    @Body(new ZodPipe(NodeBody)) body: z.infer<typeof NodeBody>,
  ) {
    return this.inventory.putNode(cluster, { ...body, name });
  }

  @Delete('nodes/:name')
  @HttpCode(204)
  @ApiRoute({
    summary: 'Delete a node of a static cluster, with its pod blocks',
    errors: [400, 403, 404, 409],
  })
  async deleteNode(
    @Param('cluster', ClusterId) cluster: string,
    @Param('name', Name('node name')) name: string,
  ) {
    await this.inventory.deleteNode(cluster, name);
  }

  @Get('pod-blocks/:cidr')
  @ApiRoute({ summary: 'One pod block (URL-encode the prefix: 10.0.0.0%2F24)', errors: [400, 404] })
  podBlock(@Param('cluster', ClusterId) cluster: string, @Param('cidr', Cidr) cidr: string) {
    return this.inventory.podBlock(cluster, cidr);
  }

  @Put('pod-blocks/:cidr')
  @ApiRoute({
    summary: 'Create or replace a pod block of a static cluster',
    body: PodBlockBody,
    errors: [400, 403, 404, 409],
  })
  putPodBlock(
    @Param('cluster', ClusterId) cluster: string,
    @Param('cidr', Cidr) cidr: string,
    @Body(new ZodPipe(PodBlockBody)) body: z.infer<typeof PodBlockBody>,
  ) {
    return this.inventory.putPodBlock(cluster, { ...body, cidr });
  }

  @Delete('pod-blocks/:cidr')
  @HttpCode(204)
  @ApiRoute({ summary: 'Delete a pod block of a static cluster', errors: [400, 403, 404, 409] })
  async deletePodBlock(@Param('cluster', ClusterId) cluster: string, @Param('cidr', Cidr) cidr: string) {
    await this.inventory.deletePodBlock(cluster, cidr);
  }

  @Get('services/:namespace/:name')
  @ApiRoute({
    summary: 'One service with its endpoints (URL-encode "/" in Marathon group paths)',
    errors: [400, 404],
  })
  service(
    @Param('cluster', ClusterId) cluster: string,
    @Param('namespace', Name('namespace')) namespace: string,
    @Param('name', Name('service name')) name: string,
  ) {
    return this.inventory.service(cluster, namespace, name);
  }

  @Put('services/:namespace/:name')
  @ApiRoute({
    summary: 'Create or replace a service with its endpoints in a static cluster',
    body: ServiceBody,
    errors: [400, 403, 404, 409],
  })
  putService(
    @Param('cluster', ClusterId) cluster: string,
    @Param('namespace', Name('namespace')) namespace: string,
    @Param('name', Name('service name')) name: string,
    @Body(new ZodPipe(ServiceBody)) body: z.infer<typeof ServiceBody>,
  ) {
    return this.inventory.putService(cluster, { ...body, namespace, name });
  }

  @Delete('services/:namespace/:name')
  @HttpCode(204)
  @ApiRoute({ summary: 'Delete a service of a static cluster', errors: [400, 403, 404, 409] })
  async deleteService(
    @Param('cluster', ClusterId) cluster: string,
    @Param('namespace', Name('namespace')) namespace: string,
    @Param('name', Name('service name')) name: string,
  ) {
    await this.inventory.deleteService(cluster, namespace, name);
  }
}

/** Lists across clusters, with filters. */
@ApiTags('inventory')
@Controller('v1')
export class InventoryController {
  constructor(private readonly inventory: InventoryService) {}

  @Get('pod-blocks')
  @ApiRoute({ summary: 'Pod blocks, optionally of one cluster or node', errors: [400] })
  podBlocks(@Query(new ZodPipe(PodBlockListQuery, 'query')) q: z.infer<typeof PodBlockListQuery>) {
    return this.inventory.podBlocks(q);
  }

  @Get('services')
  @ApiRoute({
    summary: 'Services (without endpoints), filtered by cluster, namespace, exported',
    errors: [400],
  })
  services(@Query(new ZodPipe(ServiceListQuery, 'query')) q: z.infer<typeof ServiceListQuery>) {
    return this.inventory.services(q);
  }
}
