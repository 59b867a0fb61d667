import { Injectable } from '@nestjs/common';
import {
  BlockValidator,
  type BlockConflict,
  type BlockVerdict,
  type ValidationChanges,
  type ValidatorInput,
} from '../core';

export type ChangeListener = (changes: ValidationChanges, at: number) => void;

/**
 * This replica's view of what clusters use: the pure BlockValidator fed by the registry feed
 * (pod blocks) and the plan feed (allocations). Every replica keeps one and answers reads from it;
 * only the publisher turns its changes into events and conflict records.
 *
 * apply() is synchronous, so each batch is applied whole between two awaits of the feeds: the
 * validator never sees half a batch, whichever feed calls.
 */
@Injectable()
export class ValidationState {
  private readonly validator = new BlockValidator();
  private readonly listeners: ChangeListener[] = [];

  onChanges(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  apply(inputs: readonly ValidatorInput[], at: number = Date.now()): ValidationChanges {
    const changes = this.validator.apply(inputs, at);
    if (changes.verdicts.length || changes.conflictsOpened.length || changes.conflictsClosed.length) {
      for (const listener of this.listeners) listener(changes, at);
    }
    return changes;
  }

  verdict(cluster: string, cidr: string): BlockVerdict | undefined {
    return this.validator.verdict(cluster, cidr);
  }

  verdicts(): IterableIterator<BlockVerdict> {
    return this.validator.verdicts();
  }

  conflicts(): BlockConflict[] {
    return this.validator.conflicts();
  }

  get blockCount(): number {
    return this.validator.blockCount;
  }
}
