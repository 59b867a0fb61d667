#!/usr/bin/env node
// Fuzzes the BGP decoder of the built package (libs/bgp/dist): random and mutated messages (bit
// flips, byte insertions and deletions, length field tampering, attribute shuffles) starting from
// valid messages and the corpus of bad ones in libs/bgp/testdata. Fails (exit 1) on any exception
// that is not a BgpDecodeError, and on a decode over the time budget (a hang in the making).
//
//   npm run build -w @isthmus/bgp && node libs/bgp/scripts/fuzz.mjs --count 1000000 --seed 42
//
// Options: --count N (100000), --seed N (random, printed), --budget-ms N (100), --hang-s N (10).
// The decoder runs in a worker; a watchdog in the main thread names the message of a decode that
// never returns, which an in-loop time check could not do.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, '..', 'dist', 'codec');
const corpusPath = path.join(here, '..', 'testdata', 'bad-messages.txt');
const MAX_BYTES = 65536;
const PROGRESS_EVERY = 100_000;

function parseArgs(argv) {
  const options = { count: 100_000, seed: (Math.random() * 2 ** 32) >>> 0, budgetMs: 100, hangS: 10 };
  const names = { '--count': 'count', '--seed': 'seed', '--budget-ms': 'budgetMs', '--hang-s': 'hangS' };
  for (let i = 0; i < argv.length; i += 2) {
    const key = names[argv[i]];
    const value = Number(argv[i + 1]);
    if (!key || !Number.isFinite(value) || value < 0) {
      console.error(
        `usage: fuzz.mjs [--count N] [--seed N] [--budget-ms N] [--hang-s N] (bad: ${argv[i]} ${argv[i + 1]})`,
      );
      process.exit(2);
    }
    options[key] = value;
  }
  return options;
}

function runWorker() {
  const require = createRequire(import.meta.url);
  const { runFuzz } = require(path.join(dist, 'fuzz', 'run-fuzz.js'));
  const { parseCorpus } = require(path.join(dist, 'fuzz', 'corpus.js'));
  const { seed, count, budgetMs, shared } = workerData;
  const corpus = existsSync(corpusPath)
    ? parseCorpus(readFileSync(corpusPath, 'utf8')).map((e) => e.bytes)
    : [];
  const header = new Int32Array(shared, 0, 2);
  const current = new Uint8Array(shared, 8, MAX_BYTES);
  const report = runFuzz({
    count,
    seed,
    corpus,
    timeBudgetMs: budgetMs,
    beforeDecode(bytes, index) {
      const n = Math.min(bytes.length, MAX_BYTES);
      current.set(bytes.subarray(0, n));
      Atomics.store(header, 1, n);
      Atomics.store(header, 0, index);
      if (index > 0 && index % PROGRESS_EVERY === 0) parentPort.postMessage({ progress: index });
    },
  });
  parentPort.postMessage({ report, corpusSize: corpus.length });
}

function printReport(options, report, corpusSize) {
  const rate = report.count / (report.elapsedMs / 1000);
  console.log(`seed ${options.seed}, corpus ${corpusSize} messages`);
  console.log(
    `decoded ${report.count} messages in ${(report.elapsedMs / 1000).toFixed(1)} s: ${Math.round(rate)} msgs/s`,
  );
  console.log(
    `slowest decode ${report.slowest.ms.toFixed(2)} ms (budget ${options.budgetMs} ms): ${report.slowest.hex}`,
  );
  console.log(
    'outcomes (thrown code/subcode = session reset; "ok with" = most severe error handled in place):',
  );
  const rows = Object.entries(report.outcomes).sort((a, b) => b[1] - a[1]);
  for (const [outcome, n] of rows) {
    console.log(
      `  ${outcome.padEnd(36)} ${String(n).padStart(9)}  ${((100 * n) / report.count).toFixed(2).padStart(6)}%`,
    );
  }
  for (const f of report.failures) {
    console.log(
      `FAILURE #${f.index} (${f.fourOctetAs ? '4' : '2'}-octet AS session): ${f.problem}\n  ${f.hex}`,
    );
  }
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  if (!existsSync(path.join(dist, 'fuzz', 'run-fuzz.js'))) {
    console.error('libs/bgp/dist is missing: run `npm run build -w @isthmus/bgp` first');
    process.exit(2);
  }
  const shared = new SharedArrayBuffer(8 + MAX_BYTES);
  const header = new Int32Array(shared, 0, 2);
  const worker = new Worker(fileURLToPath(import.meta.url), {
    workerData: { seed: options.seed, count: options.count, budgetMs: options.budgetMs, shared },
  });
  let lastIndex = -1;
  let lastChange = Date.now();
  const watchdog = setInterval(() => {
    const index = Atomics.load(header, 0);
    if (index !== lastIndex) {
      lastIndex = index;
      lastChange = Date.now();
      return;
    }
    if (Date.now() - lastChange < options.hangS * 1000) return;
    const n = Atomics.load(header, 1);
    const bytes = Buffer.from(new Uint8Array(shared, 8, n)).toString('hex');
    console.log(
      `FAILURE: decode of message #${index} did not return within ${options.hangS} s (seed ${options.seed})\n  ${bytes}`,
    );
    void worker.terminate();
    process.exit(1);
  }, 500);
  worker.on('message', (m) => {
    if (m.progress) {
      console.error(`... ${m.progress} messages`);
      return;
    }
    clearInterval(watchdog);
    printReport(options, m.report, m.corpusSize);
    process.exitCode = m.report.failures.length > 0 ? 1 : 0;
  });
  worker.on('error', (e) => {
    clearInterval(watchdog);
    console.log(`FAILURE: the fuzz worker died: ${e.stack ?? e}`);
    process.exitCode = 1;
  });
}

if (isMainThread) main();
else runWorker();
