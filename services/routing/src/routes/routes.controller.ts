import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiRoute, ZodPipe } from '@isthmus/service-kit';
import { RoutesQuery, type RoutesPageQuery } from './routes.dto';
import { RoutesService } from './routes.service';

@ApiTags('routes')
@Controller('v1/routes')
export class RoutesController {
  constructor(private readonly routes: RoutesService) {}

  @Get()
  @ApiRoute({
    summary: 'The desired table: every route sent, and every block left out with why',
    description:
      'By cluster, then prefix. A block is left out when its cluster is unknown (deleted), opted out, ' +
      'lost past ROUTING_STALE_AFTER_MS (stale), when its next hop is of the other family, when IPAM ' +
      'judged it in conflict or outside its allocation, when it has no verdict yet (ROUTING_REQUIRE_VERDICT), ' +
      "or when another cluster's block with the same prefix was seen first. `summary.advertising` is false " +
      'until the streams are replayed and the speaker started.',
    errors: [400],
  })
  table(@Query(new ZodPipe(RoutesQuery, 'query')) q: RoutesPageQuery) {
    return this.routes.table(q);
  }
}
