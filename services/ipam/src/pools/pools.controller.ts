import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiRoute, ZodPipe } from '@isthmus/service-kit';
import { CreatePoolBody, PoolListQuery, PoolName, type PoolPageQuery } from './pool.dto';
import { PoolsService } from './pools.service';

export const PoolParam = new ZodPipe(PoolName, 'pool name');

@ApiTags('pools')
@Controller('v1/pools')
export class PoolsController {
  constructor(private readonly pools: PoolsService) {}

  @Post()
  @ApiRoute({
    summary: 'Create a pool (a supernet to allocate from); pools never overlap',
    body: CreatePoolBody,
    errors: [400, 403, 409],
  })
  create(@Body(new ZodPipe(CreatePoolBody)) body: CreatePoolBody) {
    return this.pools.create(body);
  }

  @Get()
  @ApiRoute({ summary: 'List pools by name', errors: [400] })
  list(@Query(new ZodPipe(PoolListQuery, 'query')) q: PoolPageQuery) {
    return this.pools.list(q);
  }

  @Get(':pool')
  @ApiRoute({ summary: 'One pool', errors: [400, 404] })
  get(@Param('pool', PoolParam) pool: string) {
    return this.pools.get(pool);
  }

  @Get(':pool/utilization')
  @ApiRoute({
    summary: 'Used and free addresses of a pool, and its largest free block',
    description: 'Address counts are decimal strings: an IPv6 pool holds more than JSON numbers can count.',
    errors: [400, 404],
  })
  utilization(@Param('pool', PoolParam) pool: string) {
    return this.pools.utilization(pool);
  }

  @Delete(':pool')
  @HttpCode(200)
  @ApiRoute({ summary: 'Delete an empty pool', errors: [400, 403, 404, 409] })
  delete(@Param('pool', PoolParam) pool: string) {
    return this.pools.delete(pool);
  }
}
