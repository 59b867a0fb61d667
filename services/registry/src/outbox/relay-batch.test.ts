import { describe, expect, it } from 'vitest';
import { planRelayBatch } from './relay-batch';

const row = (id: number, subject: string) => ({ id: BigInt(id), subject, payload: `${subject}@${id}` });

describe('planRelayBatch', () => {
  it('takes rows in order up to the first repeated subject', () => {
    const plan = planRelayBatch([row(1, 'a'), row(2, 'b'), row(3, 'a'), row(4, 'c')], 100);
    expect(plan.publish.map((r) => r.payload)).toEqual(['a@1', 'b@2']);
    expect(plan.more).toBe(true);
  });

  it('publishes every state of a hot entity, one round each', () => {
    let rows = [row(1, 'a'), row(2, 'a'), row(3, 'a')];
    const published: string[] = [];
    while (rows.length) {
      const plan = planRelayBatch(rows, 100);
      published.push(...plan.publish.map((r) => r.payload));
      rows = rows.slice(plan.publish.length);
    }
    expect(published).toEqual(['a@1', 'a@2', 'a@3']);
  });

  it('says whether the read was full', () => {
    expect(planRelayBatch([row(1, 'a'), row(2, 'b')], 2).more).toBe(true);
    expect(planRelayBatch([row(1, 'a'), row(2, 'b')], 3).more).toBe(false);
    expect(planRelayBatch([], 3)).toEqual({ publish: [], more: false });
  });
});
