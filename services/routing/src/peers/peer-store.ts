import { Injectable } from '@nestjs/common';
import { parseAddress, normalizeCidr, formatAddress } from '@isthmus/net';
import { PgService, type Sql } from '@isthmus/service-kit';
import type { PeerFilter } from '../core';
import type { Peer } from './peer';

/** A peer's fields as written: everything but its id and times. */
export type PeerFields = Omit<Peer, 'id' | 'family' | 'createdAt' | 'updatedAt'>;

interface PeerRow {
  id: string;
  address: string;
  port: number;
  peer_asn: string | number | bigint;
  local_asn: string | number | bigint;
  router_id: string | null;
  hold_time_seconds: number;
  passive: boolean;
  graceful_restart_seconds: number;
  filter_clusters: string[] | null;
  filter_prefixes: string[] | null;
  name: string | null;
  description: string;
  created_at: Date | string;
  updated_at: Date | string;
}

// host(): the address without "/32"; the prefixes as text[] (node-postgres leaves cidr[] unparsed).
const COLUMNS = `id, host(address) AS address, port, peer_asn, local_asn, host(router_id) AS router_id,
  hold_time_seconds, passive, graceful_restart_seconds, filter_clusters,
  filter_prefixes::text[] AS filter_prefixes, name, description, created_at, updated_at`;

/** PostgreSQL prints inet and cidr in its own spelling (IPv4-mapped IPv6 among them): canonical again here. */
function canonicalAddress(text: string): string {
  const a = parseAddress(text);
  return formatAddress(a.family, a.value);
}

function canonicalCidr(text: string): string {
  return normalizeCidr(text).cidr;
}

function toFilter(clusters: string[] | null, prefixes: string[] | null): PeerFilter | null {
  if (clusters === null && prefixes === null) return null;
  return {
    ...(clusters !== null ? { clusters } : {}),
    ...(prefixes !== null ? { prefixes: prefixes.map(canonicalCidr) } : {}),
  };
}

function toPeer(row: PeerRow): Peer {
  const address = parseAddress(row.address);
  return {
    id: row.id,
    address: canonicalAddress(row.address),
    family: address.family,
    port: row.port,
    peerAsn: Number(row.peer_asn),
    localAsn: Number(row.local_asn),
    routerId: row.router_id,
    holdTimeSeconds: row.hold_time_seconds,
    passive: row.passive,
    gracefulRestartSeconds: row.graceful_restart_seconds,
    filter: toFilter(row.filter_clusters, row.filter_prefixes),
    name: row.name,
    description: row.description,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

function params(p: PeerFields): unknown[] {
  return [
    p.address,
    p.port,
    p.peerAsn,
    p.localAsn,
    p.routerId,
    p.holdTimeSeconds,
    p.passive,
    p.gracefulRestartSeconds,
    p.filter?.clusters ?? null,
    p.filter?.prefixes ?? null,
    p.name,
    p.description,
  ];
}

/** inet's order: IPv4 before IPv6, then by value, then port. */
export function byAddressThenPort(a: Peer, b: Peer): number {
  if (a.family !== b.family) return a.family - b.family;
  const [x, y] = [parseAddress(a.address).value, parseAddress(b.address).value];
  return x !== y ? (x < y ? -1 : 1) : a.port - b.port;
}

/** The peer table, and its revision (config_revision 'peer', raised by the table's trigger). */
@Injectable()
export class PeerStore {
  constructor(private readonly pg: PgService) {}

  async insert(peer: PeerFields): Promise<Peer> {
    const [row] = await this.pg.query<PeerRow>(
      `INSERT INTO peer (address, port, peer_asn, local_asn, router_id, hold_time_seconds, passive,
                         graceful_restart_seconds, filter_clusters, filter_prefixes, name, description)
       VALUES ($1::inet, $2, $3, $4, $5::inet, $6, $7, $8, $9::text[], $10::cidr[], $11, $12)
       RETURNING ${COLUMNS}`,
      params(peer),
    );
    return toPeer(row!);
  }

  /** Replaces every field of the peer; null when it does not exist (any more). */
  async update(id: string, peer: PeerFields): Promise<Peer | null> {
    const [row] = await this.pg.query<PeerRow>(
      `UPDATE peer SET address = $1::inet, port = $2, peer_asn = $3, local_asn = $4, router_id = $5::inet,
              hold_time_seconds = $6, passive = $7, graceful_restart_seconds = $8,
              filter_clusters = $9::text[], filter_prefixes = $10::cidr[], name = $11, description = $12,
              updated_at = CURRENT_TIMESTAMP
        WHERE id = $13
       RETURNING ${COLUMNS}`,
      [...params(peer), id],
    );
    return row ? toPeer(row) : null;
  }

  async find(id: string, sql?: Sql): Promise<Peer | null> {
    const [row] = await (sql ?? this.pg).query<PeerRow>(`SELECT ${COLUMNS} FROM peer WHERE id = $1`, [id]);
    return row ? toPeer(row) : null;
  }

  async findByAddress(address: string, port: number): Promise<Peer | null> {
    const [row] = await this.pg.query<PeerRow>(
      `SELECT ${COLUMNS} FROM peer WHERE address = $1::inet AND port = $2`,
      [address, port],
    );
    return row ? toPeer(row) : null;
  }

  async findByRouterId(routerId: string): Promise<Peer | null> {
    const [row] = await this.pg.query<PeerRow>(`SELECT ${COLUMNS} FROM peer WHERE router_id = $1::inet`, [
      routerId,
    ]);
    return row ? toPeer(row) : null;
  }

  /** The deleted peer; null when there was none. */
  async delete(id: string): Promise<Peer | null> {
    const [row] = await this.pg.query<PeerRow>(`DELETE FROM peer WHERE id = $1 RETURNING ${COLUMNS}`, [id]);
    return row ? toPeer(row) : null;
  }

  /** By address, then port (IPv4 before IPv6: inet's order). */
  async list(after: { address: string; port: number } | null, limit: number): Promise<Peer[]> {
    const rows = await this.pg.query<PeerRow>(
      `SELECT ${COLUMNS} FROM peer
        WHERE $1::inet IS NULL OR (address, port) > ($1::inet, $2::int)
        ORDER BY peer.address, peer.port LIMIT $3`,
      [after?.address ?? null, after?.port ?? null, limit],
    );
    return rows.map(toPeer);
  }

  /** Every peer and the table's revision, in one statement (one snapshot). */
  async snapshot(): Promise<{ revision: number; peers: Peer[] }> {
    const [row] = await this.pg.query<{ revision: string; peers: PeerRow[] }>(
      `SELECT (SELECT revision FROM config_revision WHERE relation = 'peer')::text AS revision,
              (SELECT coalesce(json_agg(p), '[]')
                 FROM (SELECT ${COLUMNS} FROM peer ORDER BY peer.address, peer.port) p) AS peers`,
    );
    // json_agg's order follows its input in practice, not by guarantee: sorted here.
    return { revision: Number(row!.revision), peers: row!.peers.map(toPeer).sort(byAddressThenPort) };
  }
}
