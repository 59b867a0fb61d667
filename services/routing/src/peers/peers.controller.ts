import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiRoute, ZodPipe } from '@isthmus/service-kit';
import { PeerRoutesQuery, type PeerRoutesPageQuery } from '../routes/routes.dto';
import { RoutesService } from '../routes/routes.service';
import { CreatePeerBody, PatchPeerBody, PeerId, PeerListQuery, type PeerPageQuery } from './peer.dto';
import { PeersService } from './peers.service';

const PeerIdParam = new ZodPipe(PeerId, 'peer id');

@ApiTags('peers')
@Controller('v1/peers')
export class PeersController {
  constructor(
    private readonly peers: PeersService,
    private readonly routes: RoutesService,
  ) {}

  @Post()
  @ApiRoute({
    summary: 'Add a BGP peer (a route reflector); every replica opens a session with it',
    description:
      'One peer per address and port; no two peers with one routerId, and none with this ' +
      "replica's own (409). localAsn defaults to ROUTING_LOCAL_ASN, port to 179, holdTimeSeconds to 90.",
    body: CreatePeerBody,
    errors: [400, 403, 409],
  })
  create(@Body(new ZodPipe(CreatePeerBody)) body: CreatePeerBody) {
    return this.peers.create(body);
  }

  @Get()
  @ApiRoute({ summary: 'List peers by address, then port', errors: [400] })
  list(@Query(new ZodPipe(PeerListQuery, 'query')) q: PeerPageQuery) {
    return this.peers.list(q);
  }

  @Get(':id')
  @ApiRoute({ summary: 'One peer', errors: [400, 404] })
  get(@Param('id', PeerIdParam) id: string) {
    return this.peers.get(id);
  }

  @Get(':id/status')
  @ApiRoute({
    summary:
      "This replica's session with the peer: FSM state and since when, uptime, prefixes sent, messages, last NOTIFICATIONs",
    description: 'session is null until the speaker has the peer (a moment after it was created).',
    errors: [400, 404],
  })
  status(@Param('id', PeerIdParam) id: string) {
    return this.peers.status(id);
  }

  @Get(':id/routes')
  @ApiRoute({
    summary: 'What this replica has sent the peer and not withdrawn (its Adj-RIB-Out), by prefix',
    errors: [400, 404],
  })
  peerRoutes(
    @Param('id', PeerIdParam) id: string,
    @Query(new ZodPipe(PeerRoutesQuery, 'query')) q: PeerRoutesPageQuery,
  ) {
    return this.routes.peerRoutes(id, q);
  }

  @Post(':id/reset')
  @HttpCode(202)
  @ApiRoute({
    summary:
      "Reset this replica's session with the peer (Cease / Administrative Reset, RFC 4486); it reconnects at once",
    errors: [400, 403, 404],
  })
  reset(@Param('id', PeerIdParam) id: string) {
    return this.peers.reset(id);
  }

  @Patch(':id')
  @ApiRoute({
    summary: "Change a peer's fields; null clears routerId, filter and name",
    body: PatchPeerBody,
    errors: [400, 403, 404, 409],
  })
  patch(@Param('id', PeerIdParam) id: string, @Body(new ZodPipe(PatchPeerBody)) body: PatchPeerBody) {
    return this.peers.patch(id, body);
  }

  @Delete(':id')
  @HttpCode(200)
  @ApiRoute({ summary: 'Remove a peer; every replica closes its session', errors: [400, 403, 404] })
  delete(@Param('id', PeerIdParam) id: string) {
    return this.peers.delete(id);
  }
}
