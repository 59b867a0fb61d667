import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiRoute, ZodPipe } from '@isthmus/service-kit';
import { VERDICT_STATUSES } from '../conflicts/conflict.dto';
import { CidrText, DnsLabel, VerdictListQuery, type VerdictListFilter } from './verdict.dto';
import { VerdictsService } from './verdicts.service';

@ApiTags('verdicts')
@Controller('v1')
export class VerdictsController {
  constructor(private readonly verdicts: VerdictsService) {}

  @Get('clusters/:cluster/pod-blocks/:cidr/verdict')
  @ApiRoute({
    summary:
      "A pod block's verdict: valid, conflict or outside-allocation (URL-encode the prefix: 10.0.0.0%2F24)",
    description:
      `${VERDICT_STATUSES} The same state the IPAM publishes on \`<root>.ipam.verdict.<cluster>.<prefix>\`. ` +
      '503 until the feed has caught up.',
    errors: [400, 404, 503],
  })
  get(
    @Param('cluster', new ZodPipe(DnsLabel, 'cluster id')) cluster: string,
    @Param('cidr', new ZodPipe(CidrText, 'pod block prefix')) cidr: string,
  ) {
    return this.verdicts.get(cluster, cidr);
  }

  @Get('verdicts')
  @ApiRoute({
    summary: 'Verdicts of pod blocks by cluster and address, filtered by status and cluster',
    description: VERDICT_STATUSES,
    errors: [400, 503],
  })
  list(@Query(new ZodPipe(VerdictListQuery, 'query')) q: VerdictListFilter) {
    return this.verdicts.list(q);
  }
}
