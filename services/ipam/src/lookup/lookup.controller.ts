import { Controller, Get, Param } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiRoute } from '@isthmus/service-kit';
import { AddressLookup } from './address-lookup';

@ApiTags('lookup')
@Controller('v1/lookup')
export class LookupController {
  constructor(private readonly lookup: AddressLookup) {}

  @Get(':address')
  @ApiRoute({
    summary: 'Who holds an address: pool, allocation, pod block (with its verdict), endpoints, nodes',
    description:
      'Longest-prefix match over the in-memory index. An address nobody holds is 200 with null and ' +
      'empty fields; a malformed address (or a prefix) is 400.',
    errors: [400],
  })
  get(@Param('address') address: string) {
    return this.lookup.lookup(address);
  }
}
