import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiRoute, ZodPipe } from '@isthmus/service-kit';
import { ConflictId, ConflictListQuery, PRECEDENCE, type ConflictListFilter } from './conflict.dto';
import { ConflictsService } from './conflicts.service';

@ApiTags('conflicts')
@Controller('v1/conflicts')
export class ConflictsController {
  constructor(private readonly conflicts: ConflictsService) {}

  @Get()
  @ApiRoute({
    summary: 'Conflicts between pod blocks, in the order they were detected (open ones by default)',
    description: `${PRECEDENCE} Filter with \`state\` (open, cleared, all) and \`cluster\` (either party).`,
    errors: [400],
  })
  list(@Query(new ZodPipe(ConflictListQuery, 'query')) q: ConflictListFilter) {
    return this.conflicts.list(q);
  }

  @Get(':id')
  @ApiRoute({ summary: 'One conflict, open or cleared', description: PRECEDENCE, errors: [400, 404] })
  get(@Param('id', new ZodPipe(ConflictId, 'conflict id')) id: string) {
    return this.conflicts.get(id);
  }
}
