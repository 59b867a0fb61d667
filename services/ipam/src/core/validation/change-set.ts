import type { BlockState } from './block-state';
import type { BlockConflict } from './types';

/**
 * Collects what one batch of inputs touched, so the batch reports its net effect: a conflict
 * opened and closed within the batch is not reported, and one closed and reopened with the same
 * roles keeps its original record (and its `since`). Verdicts are compared once, at the end.
 */
export class ChangeSet {
  /** Blocks whose verdict may have changed, live or deleted in this batch. */
  readonly touched = new Set<BlockState>();
  /** Blocks deleted in this batch, by key: one announced again takes over what was published. */
  private readonly removed = new Map<string, BlockState>();
  private readonly opened = new Map<string, BlockConflict>();
  private readonly closed = new Map<string, BlockConflict>();

  touch(block: BlockState): void {
    this.touched.add(block);
  }

  remove(block: BlockState): void {
    this.touched.add(block);
    this.removed.set(block.key, block);
  }

  /**
   * A block announced again after its deletion in this same batch: the deleted one leaves the
   * batch, and the new one is compared with what was published for the key before the batch.
   */
  takeRemoved(key: string): BlockState | undefined {
    const block = this.removed.get(key);
    if (!block) return undefined;
    this.removed.delete(key);
    this.touched.delete(block);
    return block;
  }

  /** Records an opened conflict; returns the record to keep (the original one if it was closed in this batch). */
  open(conflict: BlockConflict): BlockConflict {
    const reopened = this.closed.get(conflict.id);
    // A party deleted and announced again within the batch is a new block: a new record.
    if (
      reopened &&
      reopened.kept.firstSeen === conflict.kept.firstSeen &&
      reopened.excluded.firstSeen === conflict.excluded.firstSeen
    ) {
      this.closed.delete(conflict.id);
      return reopened;
    }
    this.opened.set(conflict.id, conflict);
    return conflict;
  }

  close(conflict: BlockConflict): void {
    if (!this.opened.delete(conflict.id)) this.closed.set(conflict.id, conflict);
  }

  conflictsOpened(): BlockConflict[] {
    return [...this.opened.values()];
  }

  conflictsClosed(): BlockConflict[] {
    return [...this.closed.values()];
  }
}
