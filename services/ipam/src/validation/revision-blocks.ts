/** Revisions per block: 2^20, so a block lasts a million events and 2^33 blocks stay below 2^53. */
export const REVISION_BLOCK_SIZE = 2 ** 20;

/**
 * Revisions of the IPAM's events. Consumers apply an event only if its revision is above the
 * last one they applied for its subject, so revisions must increase per subject across every
 * publisher the IPAM ever had, including one taking over from a replica that died mid-batch.
 *
 * A database sequence gives that, without a round trip per event: each publisher reserves a
 * block of 2^20 revisions (the "hi/lo" scheme) and numbers its events from it, and takes a fresh
 * block whenever it becomes the publisher, so everything it publishes is above whatever any
 * earlier publisher used (those took their blocks from the sequence before it).
 */
export class RevisionBlocks {
  private next = 0;
  private end = 0;

  /** `nextBlock` returns the next value of the sequence (1, 2, 3 ...). */
  constructor(private readonly nextBlock: () => Promise<number>) {}

  /** Discards what is left of the current block: the next revision comes from a new one. */
  async renew(): Promise<void> {
    const block = await this.nextBlock();
    this.next = block * REVISION_BLOCK_SIZE;
    this.end = this.next + REVISION_BLOCK_SIZE;
  }

  async take(count: number): Promise<number[]> {
    const out: number[] = [];
    while (out.length < count) {
      if (this.next >= this.end) await this.renew();
      out.push(this.next++);
    }
    return out;
  }
}
