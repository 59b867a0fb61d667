import { Injectable } from '@nestjs/common';
import { ConflictError, decodeCursor, NotFoundError, pageOf, type Page } from '@isthmus/service-kit';
import { SpeakerSettings } from '../config/routing-settings';
import { constraintOf, SqlState, sqlStateOf } from '../db/sql-state';
import { RoutingRuntime } from '../runtime/routing-runtime';
import { describePeer, peerView, type Peer, type PeerView } from './peer';
import { peerSessionView, type PeerSessionView } from './peer-session';
import type { CreatePeerBody, PatchPeerBody, PeerPageQuery } from './peer.dto';
import { PeersFeed } from './peers-feed';
import { PeerStore, type PeerFields } from './peer-store';

@Injectable()
export class PeersService {
  constructor(
    private readonly peers: PeerStore,
    private readonly settings: SpeakerSettings,
    /** Read-your-writes: a peer written here is in this replica's feed before the answer. */
    private readonly feed: PeersFeed,
    private readonly runtime: RoutingRuntime,
  ) {}

  /**
   * This replica's session with the peer (each replica has its own): apart from the peer's
   * configuration, which is the same everywhere and changes only when written.
   */
  async status(id: string): Promise<{ peer: string; replica: string; session: PeerSessionView | null }> {
    await this.require(id);
    const status = this.runtime.advertiser.peerStatus(id);
    return {
      peer: id,
      replica: this.settings.routerId,
      session: status ? peerSessionView(status, Date.now()) : null,
    };
  }

  /** Cease / Administrative Reset (RFC 4486 §4) on this replica's session; it reconnects at once. */
  async reset(id: string): Promise<{ reset: true; peer: string }> {
    await this.require(id);
    if (!this.runtime.advertiser.reset(id)) {
      throw new NotFoundError(`peer ${id} is not in this replica's speaker yet; try again in a moment`);
    }
    return { reset: true, peer: id };
  }

  async create(body: CreatePeerBody): Promise<PeerView> {
    const fields: PeerFields = { ...body, localAsn: body.localAsn ?? this.settings.localAsn };
    this.refuseOwnRouterId(fields);
    const peer = await this.written(fields, () => this.peers.insert(fields));
    return peerView(peer);
  }

  async get(id: string): Promise<PeerView> {
    return peerView(await this.require(id));
  }

  async list(q: PeerPageQuery): Promise<Page<PeerView>> {
    const after = decodeCursor(q.cursor, 2);
    const rows = await this.peers.list(
      after ? { address: after[0]!, port: Number(after[1]) } : null,
      q.limit + 1,
    );
    const page = pageOf(rows, q.limit, (p) => [p.address, String(p.port)]);
    return { ...page, items: page.items.map(peerView) };
  }

  /** The fields given replace the peer's; the id stays. */
  async patch(id: string, body: PatchPeerBody): Promise<PeerView> {
    const current = await this.require(id);
    const fields: PeerFields = { ...fieldsOf(current), ...body };
    this.refuseOwnRouterId(fields);
    const peer = await this.written(fields, () => this.peers.update(id, fields));
    if (!peer) throw notFound(id);
    return peerView(peer);
  }

  async delete(id: string): Promise<PeerView> {
    const peer = await this.peers.delete(id);
    if (!peer) throw notFound(id);
    await this.feed.catchUp();
    return peerView(peer);
  }

  /**
   * The two ends of a session must have different BGP identifiers (RFC 6286 §2.2; RFC 4271 §6.8
   * resolves a connection collision by comparing them): this replica would refuse the peer's OPEN.
   */
  private refuseOwnRouterId(fields: PeerFields): void {
    if (fields.routerId !== null && fields.routerId === this.settings.routerId) {
      throw new ConflictError(
        `routerId: ${fields.routerId} is this replica's own router id (ROUTING_ROUTER_ID); ` +
          "a peer's BGP identifier must differ from ours: give the reflector's own router id",
      );
    }
  }

  /** Runs a write; the unique indexes' refusals become 409s that name the field and the holder. */
  private async written<T extends Peer | null>(fields: PeerFields, write: () => Promise<T>): Promise<T> {
    let written: T;
    try {
      written = await write();
    } catch (e) {
      if (sqlStateOf(e) !== SqlState.uniqueViolation) throw e;
      throw await this.conflictOf(e, fields);
    }
    await this.feed.catchUp();
    return written;
  }

  private async conflictOf(error: unknown, fields: PeerFields): Promise<unknown> {
    const constraint = constraintOf(error);
    if (constraint === 'peer_address_port_key') {
      const holder = await this.peers.findByAddress(fields.address, fields.port);
      return new ConflictError(
        `address: a peer at ${fields.address} port ${fields.port} exists already` +
          `${holder ? `: ${describePeer(holder)}` : ''}; PATCH that peer instead`,
      );
    }
    if (constraint === 'peer_router_id_key' && fields.routerId !== null) {
      const holder = await this.peers.findByRouterId(fields.routerId);
      return new ConflictError(
        `routerId: ${fields.routerId} is the router id of ${holder ? describePeer(holder) : 'another peer'}; ` +
          'two peers cannot present one BGP identifier',
      );
    }
    return error;
  }

  private async require(id: string): Promise<Peer> {
    const peer = await this.peers.find(id);
    if (!peer) throw notFound(id);
    return peer;
  }
}

function fieldsOf(peer: Peer): PeerFields {
  const { id: _id, family: _family, createdAt: _c, updatedAt: _u, ...fields } = peer;
  return fields;
}

function notFound(id: string): NotFoundError {
  return new NotFoundError(`peer ${id} does not exist`);
}
