import { describe, expect, it } from 'vitest';
import { REVISION_BLOCK_SIZE, RevisionBlocks } from './revision-blocks';

describe('RevisionBlocks', () => {
  it('numbers from the block it reserved and takes the next block when it runs out', async () => {
    let sequence = 0;
    const blocks = new RevisionBlocks(async () => ++sequence);
    await blocks.renew();
    expect(await blocks.take(3)).toEqual([
      REVISION_BLOCK_SIZE,
      REVISION_BLOCK_SIZE + 1,
      REVISION_BLOCK_SIZE + 2,
    ]);
    await blocks.take(REVISION_BLOCK_SIZE - 4);
    expect(await blocks.take(2)).toEqual([2 * REVISION_BLOCK_SIZE - 1, 2 * REVISION_BLOCK_SIZE]);
    expect(sequence).toBe(2);
  });

  it('gives a new publisher revisions above everything an earlier one used', async () => {
    let sequence = 0;
    const next = async () => ++sequence;
    const earlier = new RevisionBlocks(next);
    await earlier.renew();
    const used = await earlier.take(1000);
    const later = new RevisionBlocks(next);
    await later.renew();
    const [first] = await later.take(1);
    expect(first).toBeGreaterThan(Math.max(...used));
    // The earlier one, publishing again after the takeover (a lease regained), renews first.
    await earlier.renew();
    expect((await earlier.take(1))[0]).toBeGreaterThan(first!);
    expect(Number.isSafeInteger(2 ** 33 * REVISION_BLOCK_SIZE - 1)).toBe(true);
  });
});
