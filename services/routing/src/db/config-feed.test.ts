import { describe, expect, it } from 'vitest';
import { ConfigFeed } from './config-feed';

/**
 * The feed's own rules, with a table read that the test controls. The feed is never started (no
 * LISTEN connection, no resync timer): only the reads the test causes (catchUp) happen.
 */
function feedOf(read: () => Promise<{ revision: number; items: string[] }>) {
  const logged: string[] = [];
  const feed = new ConfigFeed<string>({
    what: 'things',
    databaseUrl: 'postgresql://postgres@127.0.0.1:1/none',
    channel: 'routing_things',
    read,
    resyncMs: 3_600_000,
    retryMs: 60_000,
    logger: { warn: (m) => logged.push(`warn ${m}`), error: (m) => logged.push(`error ${m}`) },
  });
  return { feed, logged };
}

describe('ConfigFeed', () => {
  it('passes a read on only when its revision differs from the last one passed on', async () => {
    let table = { revision: 1, items: ['a'] };
    const { feed } = feedOf(async () => table);
    const seen: (readonly string[])[] = [];
    feed.subscribe((items) => seen.push(items));
    expect(feed.isLoaded).toBe(false);
    await feed.catchUp();
    await feed.catchUp();
    expect(seen).toEqual([['a']]);
    table = { revision: 2, items: ['a', 'b'] };
    await feed.catchUp();
    // A lower revision is a database restored from a backup: the database is the truth.
    table = { revision: 1, items: ['a'] };
    await feed.catchUp();
    expect(seen).toEqual([['a'], ['a', 'b'], ['a']]);
    expect(feed.revision).toBe(1);
    // A new listener gets the table at once.
    const late: (readonly string[])[] = [];
    feed.subscribe((items) => late.push(items));
    expect(late).toEqual([['a']]);
    await feed.stop();
  });

  it('runs one read at a time; requests during a read share one more read after it', async () => {
    let reads = 0;
    let release!: () => void;
    const { feed } = feedOf(async () => {
      reads++;
      if (reads === 1) await new Promise<void>((r) => (release = r));
      return { revision: reads, items: [String(reads)] };
    });
    const first = feed.catchUp();
    const during = [feed.catchUp(), feed.catchUp(), feed.catchUp()];
    expect(reads).toBe(1);
    release();
    await Promise.all([first, ...during]);
    expect(reads).toBe(2);
    // Each caller's read started after its call: the last one saw revision 2.
    expect(feed.current).toEqual(['2']);
    await feed.stop();
  });

  it('survives a failed read and a failing listener: logged, never thrown', async () => {
    let fail = true;
    const { feed, logged } = feedOf(async () => {
      if (fail) throw new Error('connection refused');
      return { revision: 5, items: ['x'] };
    });
    const good: (readonly string[])[] = [];
    feed.subscribe(() => {
      throw new Error('listener bug');
    });
    feed.subscribe((items) => good.push(items));
    await expect(feed.catchUp()).resolves.toBeUndefined();
    await feed.catchUp();
    expect(logged.filter((l) => l.includes('connection refused'))).toEqual([
      'warn reading things failed: connection refused',
    ]);
    fail = false;
    await feed.catchUp();
    expect(good).toEqual([['x']]);
    expect(logged.some((l) => l.startsWith('error a listener of things failed: Error: listener bug'))).toBe(
      true,
    );
    await feed.stop();
  });
});
