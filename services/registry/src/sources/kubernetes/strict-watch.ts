import { createInterface } from 'node:readline';
import type { KubeConfig } from '@kubernetes/client-node';
import fetch from 'node-fetch';

/** The watch interface client-node's ListWatch drives (its own Watch class has the same shape). */
export type WatchCallback = (phase: string, object: unknown, event: unknown) => void;
export type WatchDone = (err: unknown) => void;

export interface StrictWatchOptions {
  /** Asked of the server, which then ends each watch cleanly (±10% jitter, as client-go does). */
  timeoutSeconds: number;
  /** A watch that ends sooner than this, `maxShortLived` times in a row, counts as failing. */
  minHealthyMs: number;
  maxShortLived: number;
}

class WatchError extends Error {
  constructor(
    message: string,
    readonly statusCode?: number,
  ) {
    super(message);
    this.name = 'WatchError';
  }
}

/**
 * The watch half of list/watch, in place of client-node's Watch (1.4), which
 * - ignores event lines it cannot parse: an event lost without a word;
 * - applies no timeout and asks for no bookmarks, so a silently dead connection stalls it;
 * - reconnects at once, forever, after a stream that ends cleanly right after it started.
 * Here a malformed line or an ERROR event other than 410 ends the watch with an error, a watch
 * that keeps ending right after it starts is reported as failing, the server is asked for
 * bookmarks and a timeoutSeconds, and a watch silent well past that timeout is given up as dead.
 * A connection dropped mid-stream is an error here as there ('Premature close'), and 410 Gone
 * still reaches ListWatch as before, which then relists. (libs/fake-kube/README.md measures
 * what client-node does in each case.)
 */
export class StrictWatch {
  private shortLived = 0;

  constructor(
    private readonly kc: KubeConfig,
    private readonly opts: StrictWatchOptions,
  ) {}

  async watch(
    path: string,
    queryParams: Record<string, unknown>,
    callback: WatchCallback,
    done: WatchDone,
  ): Promise<{ abort(): void }> {
    const controller = new AbortController();
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) {
      done(new WatchError('the kubeconfig has no current cluster'));
      return controller;
    }
    const timeoutSeconds = Math.max(1, Math.round(this.opts.timeoutSeconds * (0.9 + Math.random() * 0.2)));
    const url = new URL(cluster.server + path);
    url.searchParams.set('watch', 'true');
    url.searchParams.set('allowWatchBookmarks', 'true');
    url.searchParams.set('timeoutSeconds', String(timeoutSeconds));
    for (const [k, v] of Object.entries(queryParams ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));

    const started = Date.now();
    let finished = false;
    let silence: NodeJS.Timeout | undefined;
    const finish = (err: unknown) => {
      if (finished) return;
      finished = true;
      clearTimeout(silence);
      controller.abort();
      if (!err) {
        if (Date.now() - started < this.opts.minHealthyMs) {
          if (++this.shortLived >= this.opts.maxShortLived) {
            this.shortLived = 0;
            err = new WatchError(`the watch of ${path} keeps ending right after it starts`);
          }
        } else {
          this.shortLived = 0;
        }
      }
      done(err ?? null);
    };
    // The server ends the watch after timeoutSeconds; silence well past that means a dead connection.
    const armSilence = () => {
      clearTimeout(silence);
      silence = setTimeout(
        () => finish(new WatchError(`the watch of ${path} went silent`)),
        (timeoutSeconds + 30) * 1000,
      );
      silence.unref();
    };
    try {
      const init = (await this.kc.applyToFetchOptions({})) as Record<string, unknown>;
      const res = await fetch(url.toString(), { ...init, method: 'GET', signal: controller.signal as never });
      if (res.status !== 200) {
        throw new WatchError(`watch of ${path}: HTTP ${res.status} ${res.statusText}`, res.status);
      }
      armSilence();
      const lines = createInterface({ input: res.body as NodeJS.ReadableStream, crlfDelay: Infinity });
      // readline forwards its input's errors ('Premature close' when the connection drops
      // mid-stream, the AbortError of our own abort): without this listener they would be an
      // uncaught 'error' event, which ends the process.
      res.body.on('error', (e: Error) => finish(e));
      lines.on('error', (e: Error) => finish(e));
      lines.on('close', () => finish(null));
      lines.on('line', (line) => {
        if (finished || line.trim() === '') return;
        armSilence();
        let event: { type?: unknown; object?: { code?: number; message?: string } };
        try {
          event = JSON.parse(line) as typeof event;
        } catch {
          finish(new WatchError(`malformed watch event from ${path}: ${line.slice(0, 120)}`));
          return;
        }
        if (typeof event?.type !== 'string' || typeof event.object !== 'object' || event.object === null) {
          finish(new WatchError(`watch event from ${path} without type or object`));
          return;
        }
        if (event.type === 'ERROR' && event.object.code !== 410) {
          finish(new WatchError(`watch of ${path}: ${event.object.message ?? 'error'}`, event.object.code));
          return;
        }
        callback(event.type, event.object, event);
        // 410 Gone: ListWatch has forgotten its resourceVersion; end now so that it relists.
        if (event.type === 'ERROR') finish(null);
      });
    } catch (e) {
      finish(controller.signal.aborted ? null : e);
    }
    return {
      abort: () => {
        if (finished) return;
        // Our caller stopped the watch: no done() (ListWatch does not expect one), no error.
        finished = true;
        clearTimeout(silence);
        controller.abort();
      },
    };
  }
}
