import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiRoute, ZodPipe } from '@isthmus/service-kit';
import { PoolParam } from '../pools/pools.controller';
import {
  AllocationId,
  AllocationListQuery,
  CreateAllocationBody,
  PoolAllocationListQuery,
  type AllocationFilter,
  type PoolAllocationFilter,
} from './allocation.dto';
import { AllocationsService } from './allocations.service';

const AllocationIdParam = new ZodPipe(AllocationId, 'allocation id');

@ApiTags('allocations')
@Controller('v1/pools/:pool/allocations')
export class PoolAllocationsController {
  constructor(private readonly allocations: AllocationsService) {}

  @Post()
  @ApiRoute({
    summary: 'Allocate a prefix of the pool to a cluster',
    description:
      'With `cidr`: exactly that prefix. With `prefixLength`: the lowest free block of that length, ' +
      'aligned on its size. 409 when it overlaps an allocation (the message names it) or when no such ' +
      'block is free (the message says what is left).',
    body: CreateAllocationBody,
    errors: [400, 403, 404, 409],
  })
  allocate(
    @Param('pool', PoolParam) pool: string,
    @Body(new ZodPipe(CreateAllocationBody)) body: CreateAllocationBody,
  ) {
    return this.allocations.allocate(pool, body);
  }

  @Get()
  @ApiRoute({ summary: 'Allocations of the pool in address order', errors: [400, 404] })
  list(
    @Param('pool', PoolParam) pool: string,
    @Query(new ZodPipe(PoolAllocationListQuery, 'query')) q: PoolAllocationFilter,
  ) {
    return this.allocations.list({ ...q, pool });
  }
}

@ApiTags('allocations')
@Controller('v1/allocations')
export class AllocationsController {
  constructor(private readonly allocations: AllocationsService) {}

  @Get()
  @ApiRoute({ summary: 'Allocations of every pool in address order', errors: [400, 404] })
  list(@Query(new ZodPipe(AllocationListQuery, 'query')) q: AllocationFilter) {
    return this.allocations.list(q);
  }

  @Get(':id')
  @ApiRoute({ summary: 'One allocation', errors: [400, 404] })
  get(@Param('id', AllocationIdParam) id: number) {
    return this.allocations.get(id);
  }

  @Delete(':id')
  @HttpCode(200)
  @ApiRoute({ summary: 'Release an allocation; its prefix is free again at once', errors: [400, 403, 404] })
  release(@Param('id', AllocationIdParam) id: number) {
    return this.allocations.release(id);
  }
}
