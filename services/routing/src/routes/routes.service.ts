import { Injectable } from '@nestjs/common';
import { decodeCursor, NotFoundError, pageOf, type Page } from '@isthmus/service-kit';
import { RoutingRuntime } from '../runtime/routing-runtime';
import { excludedView, routeView, type TableLineView } from './route-views';
import type { PeerRoutesPageQuery, RoutesPageQuery } from './routes.dto';

export interface RoutesPage extends Page<TableLineView> {
  /** The whole table, whatever the filter: routes sent, blocks left out by reason. */
  summary: { advertised: number; excluded: Record<string, number>; advertising: boolean };
}

const byKey = (a: TableLineView, b: TableLineView) =>
  a.cluster < b.cluster
    ? -1
    : a.cluster > b.cluster
      ? 1
      : a.prefix < b.prefix
        ? -1
        : a.prefix > b.prefix
          ? 1
          : 0;

@Injectable()
export class RoutesService {
  constructor(private readonly runtime: RoutingRuntime) {}

  /** The desired table (this replica's), by cluster then prefix, with every left-out block's reason. */
  table(q: RoutesPageQuery): RoutesPage {
    const snapshot = this.runtime.table.snapshot();
    const excluded: Record<string, number> = {};
    for (const e of snapshot.excluded) excluded[e.reason] = (excluded[e.reason] ?? 0) + 1;
    let lines: TableLineView[] = [];
    if (q.advertised !== 'false' && !q.reason) lines.push(...[...snapshot.routes.values()].map(routeView));
    if (q.advertised !== 'true') {
      lines.push(...snapshot.excluded.filter((e) => !q.reason || e.reason === q.reason).map(excludedView));
    }
    if (q.cluster) lines = lines.filter((l) => l.cluster === q.cluster);
    lines.sort(byKey);
    const after = decodeCursor(q.cursor, 2);
    if (after)
      lines = lines.filter((l) => l.cluster > after[0]! || (l.cluster === after[0] && l.prefix > after[1]!));
    const page = pageOf(lines.slice(0, q.limit + 1), q.limit, (l) => [l.cluster, l.prefix]);
    return {
      ...page,
      summary: { advertised: snapshot.routes.size, excluded, advertising: this.runtime.isAdvertising },
    };
  }

  /** What this replica has sent a peer and not withdrawn (its Adj-RIB-Out), by prefix. */
  peerRoutes(id: string, q: PeerRoutesPageQuery): Page<TableLineView> {
    if (!this.runtime.advertiser.peerStatus(id)) throw new NotFoundError(`peer ${id} does not exist`);
    let routes = this.runtime.advertiser
      .advertisedTo(id)
      .map(routeView)
      .sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));
    const after = decodeCursor(q.cursor, 1);
    if (after) routes = routes.filter((r) => r.prefix > after[0]!);
    return pageOf(routes.slice(0, q.limit + 1), q.limit, (r) => [r.prefix]);
  }
}
