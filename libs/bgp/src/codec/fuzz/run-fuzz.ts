import { performance } from 'node:perf_hooks';
import { BgpDecodeError } from '../errors';
import { decodeMessage } from '../message/message';
import type { CodecContext, DecodeResult } from '../types';
import { mutate } from './mutate';
import { Random } from './random';
import { randomValidMessages } from './valid-messages';

export interface FuzzOptions {
  count: number;
  seed: number;
  /** Known-bad messages to mutate besides the generated valid ones (testdata/bad-messages.txt). */
  corpus?: readonly Uint8Array[];
  /** A decode slower than this is a failure (a hang in the making); Infinity turns it off. */
  timeBudgetMs?: number;
  /** Called before each decode, e.g. to let a watchdog name the message that hangs. */
  beforeDecode?: (bytes: Uint8Array, index: number) => void;
  /** Stop after this many failures (default 10). */
  maxFailures?: number;
}

export interface FuzzFailure {
  index: number;
  hex: string;
  fourOctetAs: boolean;
  problem: string;
}

export interface FuzzReport {
  count: number;
  elapsedMs: number;
  /** The slowest decode, to look into when it is close to the budget. */
  slowest: { ms: number; hex: string };
  /** "ok", "ok with <code>/<subcode> <handling>" (most severe returned error) or "<code>/<subcode>" thrown. */
  outcomes: Record<string, number>;
  failures: FuzzFailure[];
}

const POOL_SIZE = 256;

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * A decode over budget is timed twice more before it counts: a garbage collection or a busy machine
 * can stall one decode, a real hang stalls all three.
 */
function slowAgain(decode: Decoder, bytes: Uint8Array, ctx: CodecContext, budget: number): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    const t0 = performance.now();
    try {
      decode(bytes, ctx);
    } catch {
      // the outcome was recorded already; only the time matters here
    }
    if (performance.now() - t0 <= budget) return false;
  }
  return true;
}

export type Decoder = (bytes: Uint8Array, ctx: CodecContext) => DecodeResult;

/**
 * Decodes `count` random and mutated messages; any exception other than a BgpDecodeError, and any
 * decode over the time budget, is a failure. Deterministic for a given seed and corpus.
 */
export function runFuzz(options: FuzzOptions): FuzzReport {
  return runFuzzWith(decodeMessage, options);
}

/** runFuzz with another decoder: how the runner itself is tested. */
export function runFuzzWith(decode: Decoder, options: FuzzOptions): FuzzReport {
  const rng = new Random(options.seed);
  const budget = options.timeBudgetMs ?? Infinity;
  const maxFailures = options.maxFailures ?? 10;
  const contexts: CodecContext[] = [
    { fourOctetAs: true },
    { fourOctetAs: false },
    { fourOctetAs: true, ibgp: true },
    { fourOctetAs: false, ibgp: false },
  ];
  const pool: Uint8Array[] = [...(options.corpus ?? [])];
  while (pool.length < POOL_SIZE) pool.push(...randomValidMessages(rng, rng.pick(contexts)));
  const seeds = Math.floor(pool.length / 2);

  const outcomes: Record<string, number> = {};
  const failures: FuzzFailure[] = [];
  let slowest = { ms: 0, hex: '' };
  const started = performance.now();
  let i = 0;
  for (; i < options.count && failures.length < maxFailures; i++) {
    const ctx = rng.pick(contexts);
    let bytes: Uint8Array;
    const strategy = rng.below(100);
    if (strategy < 5) {
      bytes = rng.pick(randomValidMessages(rng, ctx)); // as is: the decoder must accept what we send
    } else if (strategy < 10) {
      bytes = mutate(rng, rng.bytes(19 + rng.below(64)), pool); // noise with a header fixed up
    } else {
      bytes = mutate(rng, rng.pick(pool), pool);
    }
    options.beforeDecode?.(bytes, i);
    const t0 = performance.now();
    let outcome: string;
    try {
      const { errors } = decode(bytes, ctx);
      const worst = errors[0];
      outcome = worst ? `ok with ${worst.code}/${worst.subcode} ${worst.handling}` : 'ok';
    } catch (e) {
      if (e instanceof BgpDecodeError && e.handling === 'session-reset') {
        outcome = `${e.code}/${e.subcode}`;
      } else {
        outcome = 'failure';
        const problem = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e);
        failures.push({ index: i, hex: toHex(bytes), fourOctetAs: ctx.fourOctetAs, problem });
      }
    }
    const ms = performance.now() - t0;
    if (ms > slowest.ms) slowest = { ms, hex: toHex(bytes) };
    if (ms > budget && slowAgain(decode, bytes, ctx, budget)) {
      const problem = `decode took ${ms.toFixed(1)} ms`;
      failures.push({ index: i, hex: toHex(bytes), fourOctetAs: ctx.fourOctetAs, problem });
    }
    // A mutant that got past the header checks is kept as a seed (in the half of the pool that is
    // not the starting set): mutations of mutations reach deeper.
    if (!outcome.startsWith('1/') && rng.chance(0.05)) pool[seeds + rng.below(pool.length - seeds)] = bytes;
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  }
  return { count: i, elapsedMs: performance.now() - started, slowest, outcomes, failures };
}
