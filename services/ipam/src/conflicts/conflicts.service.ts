import { Injectable } from '@nestjs/common';
import { ConflictId } from '@isthmus/contracts';
import { decodeCursor, InvalidInputError, NotFoundError, pageOf, type Page } from '@isthmus/service-kit';
import { conflictView, type ConflictView } from './conflict-record';
import type { ConflictListFilter } from './conflict.dto';
import { ConflictStore } from './conflict-store';

/** Reads of the conflict records; every replica serves them from the database the publisher writes. */
@Injectable()
export class ConflictsService {
  constructor(private readonly store: ConflictStore) {}

  async list(q: ConflictListFilter): Promise<Page<ConflictView>> {
    const after = decodeCursor(q.cursor, 1);
    if (after && !ConflictId.safeParse(after[0]).success) throw invalidCursor();
    const rows = await this.store.list(
      {
        state: q.state,
        ...(q.cluster !== undefined ? { cluster: q.cluster } : {}),
        ...(after ? { afterId: after[0] } : {}),
      },
      q.limit + 1,
    );
    const page = pageOf(rows, q.limit, (r) => [r.id]);
    return { ...page, items: page.items.map(conflictView) };
  }

  async get(id: string): Promise<ConflictView> {
    const record = await this.store.find(id);
    if (!record)
      throw new NotFoundError(`conflict ${id} does not exist; GET /v1/conflicts?state=all lists them`);
    return conflictView(record);
  }
}

function invalidCursor(): InvalidInputError {
  return new InvalidInputError('cursor is invalid: pass the nextCursor of the previous page unchanged');
}
