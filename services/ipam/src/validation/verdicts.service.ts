import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import type { BlockVerdictState } from '@isthmus/contracts';
import { decodeCursor, InvalidInputError, NotFoundError, pageOf, type Page } from '@isthmus/service-kit';
import { comparePrefixes, parsePrefix, type BlockVerdict, type Prefix } from '../core';
import { RegistryFeed } from '../feed/registry-feed';
import { verdictState } from './event-payloads';
import type { VerdictListFilter } from './verdict.dto';
import { ValidationState } from './validation-state';

/**
 * Verdicts as this replica judges them (each replica holds the whole state in memory). Before
 * the feed has caught up a missing verdict may only be not yet replayed, so reads answer 503
 * (retry) rather than a 404 that would be wrong.
 */
@Injectable()
export class VerdictsService {
  constructor(
    private readonly validation: ValidationState,
    private readonly feed: RegistryFeed,
  ) {}

  get(cluster: string, cidr: string): BlockVerdictState {
    this.requireCaughtUp();
    const verdict = this.validation.verdict(cluster, cidr);
    if (!verdict) {
      throw new NotFoundError(
        `cluster ${cluster} announces no pod block ${cidr} (GET /v1/verdicts?cluster=${cluster} lists its blocks)`,
      );
    }
    return verdictState(verdict);
  }

  /** Verdicts by cluster, then address. Sorted per request: filter by status or cluster to keep pages cheap. */
  list(q: VerdictListFilter): Page<BlockVerdictState> {
    this.requireCaughtUp();
    const afterKey = cursorKey(decodeCursor(q.cursor, 2));
    const selected: (VerdictKey & { verdict: BlockVerdict })[] = [];
    for (const verdict of this.validation.verdicts()) {
      if (q.status !== undefined && verdict.status !== q.status) continue;
      if (q.cluster !== undefined && verdict.cluster !== q.cluster) continue;
      const entry = { cluster: verdict.cluster, prefix: parsePrefix(verdict.cidr), verdict };
      if (afterKey && compareKeys(entry, afterKey) <= 0) continue;
      selected.push(entry);
    }
    selected.sort(compareKeys);
    const page = pageOf(selected.slice(0, q.limit + 1), q.limit, (e) => [e.cluster, e.verdict.cidr]);
    return { ...page, items: page.items.map((e) => verdictState(e.verdict)) };
  }

  private requireCaughtUp(): void {
    if (!this.feed.isCaughtUp) {
      throw new ServiceUnavailableException(
        'the ipam service is still replaying the registry; verdicts are incomplete until it has caught up; retry shortly',
      );
    }
  }
}

interface VerdictKey {
  cluster: string;
  prefix: Prefix;
}

function compareKeys(a: VerdictKey, b: VerdictKey): number {
  if (a.cluster !== b.cluster) return a.cluster < b.cluster ? -1 : 1;
  return comparePrefixes(a.prefix, b.prefix);
}

/** The key a cursor carries; a cursor that was not ours (its prefix unreadable) is bad input. */
function cursorKey(after: string[] | null): VerdictKey | undefined {
  if (!after) return undefined;
  try {
    return { cluster: after[0]!, prefix: parsePrefix(after[1]!) };
  } catch {
    throw new InvalidInputError('cursor is invalid: pass the nextCursor of the previous page unchanged');
  }
}
